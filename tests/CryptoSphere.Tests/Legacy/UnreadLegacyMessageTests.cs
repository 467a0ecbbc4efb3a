using System.Text;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// An old peer reads its one message and closes; one that closes without reading it (it was stopping, or closes every
/// connection at once) resets the connection. Found from outside: such a message was reported "sent" though the old
/// peer showed nothing, and a message cut into parts was sent whole again after a later part failed, showing the first
/// parts twice.
/// </summary>
public sealed class UnreadLegacyMessageTests
{
    private static NodeOptions Quick(NodeOptions o) => o with
    {
        GreetingWait = TimeSpan.FromMilliseconds(200),
        OutboxCheckInterval = TimeSpan.FromMilliseconds(100),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    // "<ip:port> @ <team>\nTEXT\n<end>": the text.
    private static string TextOf(byte[] legacy)
    {
        var message = Encoding.UTF8.GetString(legacy);
        var start = message.IndexOf('\n') + 1;
        return message[start..message.LastIndexOf("\n<end>", StringComparison.Ordinal)];
    }

    [Fact]
    public async Task A_message_the_old_peer_closes_on_unread_is_not_reported_sent_and_stays_queued()
    {
        await using var node = await TestNodes.StartAsync("alice", configure: Quick);
        await using var old = RawLegacyPeer.Start();
        old.ReadsLeft = 0;

        var sent = await node.SendAsync(old.Key, "did you read this?");

        Assert.False(sent.Success);
        Assert.Contains("closed the connection without reading the message", sent.Error);
        Assert.Equal(MessageState.Queued, sent.State);
        Assert.Contains(node.Store.Outbox(), r => r.Message.Id == sent.MessageId);
        Assert.True(old.Unread >= 1);
    }

    [Fact]
    public async Task A_peer_that_closes_every_connection_at_once_gets_nothing_reported_sent()
    {
        // As the Python peer found from outside: accept(), close(). Its close often reaches the sender before the
        // message reaches it (a clean close, then a reset), so the reset is looked for after the close too.
        await using var node = await TestNodes.StartAsync("alice", configure: Quick);
        using var closer = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closer.Start();
        var port = ((System.Net.IPEndPoint)closer.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var closing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                (await closer.AcceptSocketAsync(stop.Token)).Dispose();
        });

        var sent = await node.SendAsync(new Core.Peers.PeerKey("127.0.0.1", port), "anyone there?");

        Assert.False(sent.Success);
        Assert.Contains("closed the connection without reading the message", sent.Error);
        Assert.Equal(MessageState.Queued, node.Store.History(null, 10).Single(m => m.Id == sent.MessageId).State);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => closing);
    }

    [Fact]
    public async Task After_a_later_part_was_not_read_only_the_parts_not_read_go_again()
    {
        await using var node = await TestNodes.StartAsync("alice", configure: Quick);
        await using var old = RawLegacyPeer.Start();
        old.ReadsLeft = 2;
        var text = string.Concat(Enumerable.Range(0, 1000).Select(i => $"{i:0000}-"));

        var sent = await node.SendAsync(old.Key, text);

        Assert.False(sent.Success);
        var error = sent.Error ?? "";
        Assert.Contains("2 of ", error);
        var parts = int.Parse(error[(error.IndexOf("2 of ", StringComparison.Ordinal) + 5)..].Split(' ')[0]);
        Assert.True(parts > 2, sent.Error);
        var received = new List<string> { TextOf(await old.ReceiveAsync()), TextOf(await old.ReceiveAsync()) };

        // The old peer reads again: the outbox's next try sends the rest, and the message is then sent.
        old.ReadsLeft = int.MaxValue;
        await Eventually.HoldsAsync(() => node.Store.History(null, 10).Single(m => m.Id == sent.MessageId).State == MessageState.Sent,
            "the message is sent once every part was read", TimeSpan.FromSeconds(30));
        for (var i = 2; i < parts; i++)
            received.Add(TextOf(await old.ReceiveAsync()));

        Assert.Equal(text, string.Concat(received));
        // Every part arrived once: nothing more was written than the parts (a part is captured before its sender sees the close).
        Assert.Throws<TimeoutException>(() => old.ReceiveAsync(TimeSpan.FromMilliseconds(1)).GetAwaiter().GetResult());
    }
}
