using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// The event lines of <c>listen --json</c> and the web feed are written field by field; they must read exactly as
/// the JsonObject they replaced (field order, escaping, numbers and nulls), which scripts parse.
/// </summary>
public sealed class NodeEventJsonTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 8, 30, 15, 123, TimeSpan.FromHours(1));
    private static readonly PeerId Id = NewId();
    private static readonly PeerKey From = new("127.0.0.1", 7001);

    private static PeerId NewId()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        return identity.Id;
    }

    [Fact]
    public void A_received_message_reads_as_the_json_object_with_its_fields_in_order()
    {
        var messageId = Guid.NewGuid();
        const string text = "quote \" backslash \\ newline \n tab \t é 😀 + <b>";
        var e = new MessageReceived(Time, From, "bob \"the\" builder", text, PeerProtocol.Secure, Id, messageId, Time.AddSeconds(-1));

        var expected = new JsonObject
        {
            ["type"] = "message_received",
            ["time"] = Time.ToString("O"),
            ["conversation"] = ConversationId.Of(Id, From).ToString(),
            ["from"] = From.ToString(),
            ["name"] = "bob \"the\" builder",
            ["text"] = text,
            ["protocol"] = "secure",
            ["peerId"] = Id.ToString(),
            ["messageId"] = messageId.ToString(),
            ["sentAt"] = Time.AddSeconds(-1).ToString("O"),
        }.ToJsonString(Relaxed);

        Assert.Equal(expected, NodeEventJson.Serialize(e));
    }

    [Fact]
    public void A_delivery_and_a_missed_count_read_as_their_json_objects()
    {
        var messageId = Guid.NewGuid();
        Assert.Equal(new JsonObject
        {
            ["type"] = "message_delivered",
            ["time"] = Time.ToString("O"),
            ["conversation"] = ConversationId.Of(Id, From).ToString(),
            ["to"] = From.ToString(),
            ["peerId"] = Id.ToString(),
            ["messageId"] = messageId.ToString(),
        }.ToJsonString(Relaxed), NodeEventJson.Serialize(new MessageDelivered(Time, From, Id, messageId)));

        Assert.Equal("{\"type\":\"events_missed\",\"time\":\"" + Time.ToString("O") + "\",\"count\":12345678901}",
            NodeEventJson.Serialize(new EventsMissed(Time, 12_345_678_901)));
    }
}
