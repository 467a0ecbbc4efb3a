using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// What a one-shot <c>send</c> leaves out to start fast (the system CA store, the identity's PKCS#12 round trip,
/// the symbol reading a cancelled timer caused at exit) changes nothing a user can see: the message is recorded in
/// the sender's history as delivered, and a peer is still known by its key alone. Real processes, real sockets.
/// </summary>
public sealed class SendStartupTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static ChatNode NewNode(string name) => new(TestNodes.Options(name));

    [Fact]
    public async Task A_send_is_recorded_in_the_senders_history_as_delivered_to_the_peers_key()
    {
        await using var node = NewNode("receiver");
        await node.StartAsync();

        // --timeout 20: the default 5 s bounds this cold process's TLS handshake and then the acknowledgement, which a loaded
        // machine can exceed; the test is about what is reported, not how fast.
        var (code, stdout, stderr) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", $"127.0.0.1:{node.Port}", "--name", "scripted", "--from-port", "4321",
            "--advertise-ip", "127.0.0.1", "--timeout", "20", "kept in my history");

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains($"Delivered to 127.0.0.1:{node.Port} (secure, peer {node.Identity.Id})", stdout);
        var (historyCode, history, historyErrors) = await CliProcess.RunAsync("history", "--data-dir", _data.Path, "--json");
        Assert.True(historyCode == 0, $"exit {historyCode}: {historyErrors}");
        var sent = Assert.Single(JsonDocument.Parse(history).RootElement.EnumerateArray());
        Assert.Equal("kept in my history", sent.GetProperty("text").GetString());
        Assert.Equal("out", sent.GetProperty("direction").GetString());
        Assert.Equal("delivered", sent.GetProperty("state").GetString());
        Assert.Equal("secure", sent.GetProperty("protocol").GetString());
        Assert.Equal(node.Identity.Id.Value, sent.GetProperty("peerId").GetString());
    }

    [Fact]
    public async Task A_send_to_a_peer_id_refuses_another_key_answering_at_its_address()
    {
        await using var impostor = NewNode("impostor");
        await impostor.StartAsync();
        using var friend = NodeIdentity.CreateEphemeral();
        using (var store = ChatStore.Open(_data.Path))
            new TrustStore(store).RecordContact(friend.Id, "friend", $"127.0.0.1:{impostor.Port}", DateTimeOffset.UtcNow);

        // The impostor is named only once the TLS handshake is done: within --timeout (default 5 s, too short under load).
        var (code, stdout, stderr) = await CliProcess.RunAsync(
            "send", "--data-dir", _data.Path, "--to", friend.Id.ToString(), "--name", "scripted", "--from-port", "4321",
            "--advertise-ip", "127.0.0.1", "--timeout", "20", "for my friend only");

        Assert.NotEqual(0, code);
        Assert.DoesNotContain("Delivered", stdout);
        Assert.Contains($"could not send to {friend.Id}", stderr);
        Assert.Contains(impostor.Identity.Id.ToString(), stderr);
        Assert.DoesNotContain(impostor.Store.History(null, 100), m => m.Text == "for my friend only");
    }
}
