using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Tests.Conversations;

/// <summary>
/// An old peer's header may name any port, 80 too, and its messages are stored under legacy:127.0.0.1:80; but history
/// refused both that name and 127.0.0.1:80 ("no known peer ID starts with...", "needs HOST:PORT"). A stored conversation
/// now opens as written, and an address naming none gets its true fault.
/// </summary>
public sealed class LowPortConversationTests : IDisposable
{
    private readonly TrustStore _trust = TrustStore.InMemory();

    public void Dispose() => _trust.Store.Dispose();

    private async Task StoreFromPort80Async()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(await _trust.Store.AppendReceivedAsync(new StoredMessage(Guid.NewGuid(), "legacy:127.0.0.1:80", false, null,
            "127.0.0.1:80", "LowPort", "from port 80", PeerProtocol.Legacy, now, now, MessageState.Received)));
    }

    [Theory]
    [InlineData("127.0.0.1:80")]
    [InlineData("legacy:127.0.0.1:80")]
    public async Task A_stored_conversation_at_a_port_below_1024_opens_by_address_or_by_its_name(string text)
    {
        await StoreFromPort80Async();

        Assert.True(Recipients.TryResolveConversation(text, _trust, out var conversation, out var error), error);

        Assert.Equal("legacy:127.0.0.1:80", conversation.ToString());
        Assert.Equal("from port 80", Assert.Single(_trust.Store.History(conversation.ToString(), 10)).Text);
    }

    [Fact]
    public void An_address_with_a_port_below_1024_and_nothing_stored_is_refused_for_its_port_not_as_a_peer_ID()
    {
        Assert.False(Recipients.TryResolveConversation("127.0.0.1:1", _trust, out _, out var error));

        Assert.Equal("no conversation is stored under 127.0.0.1:1, and port 1 is outside 1024-65535", error);
    }
}
