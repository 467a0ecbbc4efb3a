using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// A busy CryptoSphere node may greet after the dialer's wait: the dialer then took it for an old peer and wrote its
/// message in plaintext. It must notice the greeting that comes anyway, say what really happened, and use TLS from then on.
/// </summary>
public sealed class LateGreetingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_greeting_after_the_wait_is_noticed_the_send_says_so_and_the_next_send_is_TLS()
    {
        await using var alice = await TestNodes.StartAsync("alice", configure: o => o with { GreetingWait = TimeSpan.FromMilliseconds(300) });
        using var listener = new LateGreeter();

        var connection = listener.NextConnectionAsync();
        var first = await alice.SendAsync(listener.Key, "hello there");

        Assert.True(first.Success, first.Error);
        Assert.Contains("is a CryptoSphere node after all", first.Caveat);
        Assert.Contains("went in plaintext", first.Caveat);
        // What it wrote was the legacy message, before the greeting came.
        var written = Encoding.UTF8.GetString(await connection);
        Assert.StartsWith("<", written);
        Assert.Contains("hello there", written);

        var next = listener.NextConnectionAsync();
        var second = await alice.SendAsync(listener.Key, "second");

        // Straight to TLS, no greeting wait and no plaintext: the double does not finish the handshake, so it waits.
        var probe = await next;
        Assert.Equal(0x16, probe[0]);
        Assert.Equal(MessageState.Queued, second.State);
        Assert.Null(second.Caveat);
    }

    [Fact]
    public async Task A_node_takes_a_legacy_message_that_follows_its_greeting_as_an_old_peers()
    {
        var events = new EventWaiter();
        await using var bob = await TestNodes.StartAsync("bob", events);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, bob.Port);

        // Silent, as a dialer that waits for the greeting; it writes its legacy message only after it came.
        var greeting = new byte[ServerGreeting.Bytes.Length];
        using (var limit = new CancellationTokenSource(Wait))
            await socket.ReceiveAsync(greeting, SocketFlags.None, limit.Token);
        Assert.Equal(ServerGreeting.Bytes, greeting);
        await socket.SendAsync(LegacyCodec.EncodeChat(TestNodes.Loopback, 6000, "late", "after the greeting"), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);

        var shown = await events.WaitFor<MessageReceived>(timeout: Wait);
        Assert.Equal(("after the greeting", PeerProtocol.Legacy), (shown.Text, shown.Protocol));
    }
}
