using System.Buffers;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// A stopped node leaves no socket it opened or accepted open, whatever state each connection was in: registered,
/// still saying hello, replaced by a newer one, in its handshake, or with a goodbye stuck behind a peer that does not
/// read. CI once saw a disposed node's session answer its peer's heartbeats for a minute (docs/RELIABILITY.md).
/// </summary>
public sealed class ShutdownClosesEverySocketTests
{
    private static readonly TimeSpan Wait = EventWaiter.DefaultTimeout;

    [ProcessSocketsFact]
    public async Task A_session_that_finishes_its_hellos_while_the_node_stops_is_closed_with_the_others()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events);
        var bob = await TestNodes.StartAsync("bob");
        var bobId = bob.Identity.Id;
        // Bob's incoming session is held after its Hellos, before it registers: where a loaded machine's thread pool
        // once held it while bob's stop closed the registered sessions.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.SessionsForTests.HelloReceivedForTests = async _ =>
        {
            held.TrySetResult();
            await release.Task;
        };
        Assert.True((await target.SendAsync(TestNodes.KeyOf(bob), "hi bob")).Success);
        await held.Task.WaitAsync(Wait);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bobId);

        var stopping = bob.DisposeAsync().AsTask();
        // Released once the stop has closed bob's sessions: the registration then comes after it, as in the CI run.
        await Eventually.HoldsAsync(() => bob.SessionsForTests.IsStopping, "bob's stop began closing its sessions");
        release.TrySetResult();
        await stopping.WaitAsync(Wait);

        // Bob said goodbye on that session, or closed it: either way the target sees it end, not a minute of heartbeats.
        await events.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bobId, Wait);
        await Eventually.HoldsAsync(() => ProcessSockets.WithLocalPort(bob.Port).Count == 0,
            $"bob holds no socket on its port: {string.Join(", ", ProcessSockets.WithLocalPort(bob.Port))}");
        await Eventually.HoldsAsync(() => bob.SessionsForTests.LiveConnectionsForTests == 0, "bob tracks no open connection");
    }

    [ProcessSocketsFact]
    public async Task A_goodbye_stuck_behind_a_peer_that_does_not_read_does_not_keep_the_socket_open()
    {
        var events = new EventWaiter();
        var node = await TestNodes.StartAsync("leaving", events);
        await using var raw = await RawSecurePeer.GreetAsync(node);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == raw.Id);

        // The raw peer reads nothing: the socket buffers fill, then the session's queue (8 MiB), and then a send waits
        // for room while holding the write lock, which the BYE needs too.
        var chunk = new byte[1024 * 1024];
        Task? waiting = null;
        for (var i = 0; i < 512 && waiting is null; i++)
        {
            var send = node.SendRawFrameForTestsAsync(raw.Id, w => w.Write(chunk)).AsTask();
            if (await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(2))) != send)
                waiting = send;
        }
        Assert.NotNull(waiting);

        await node.DisposeAsync().AsTask().WaitAsync(Wait);

        // Closed by the node although the peer still has not read a byte of it.
        await Eventually.HoldsAsync(() => !ProcessSockets.Holds(node.Port, raw.LocalPort),
            $"the node closed its end of the connection: {string.Join(", ", ProcessSockets.WithLocalPort(node.Port))}");
        // The stuck send is released, not left hanging: failed by the close, or (a send that was only slow on a loaded
        // machine, taken for stuck after 2 s) queued just before it.
        var ended = await Record.ExceptionAsync(() => waiting.WaitAsync(Wait));
        Assert.True(ended is null or IOException, $"the waiting send ended with {ended}");
    }

    [ProcessSocketsFact]
    public async Task Replaced_simultaneous_and_half_open_connections_are_all_closed_when_the_node_stops()
    {
        var aliceEvents = new EventWaiter();
        var bobEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        var bob = await TestNodes.StartAsync("bob", bobEvents);
        var (aliceKey, bobKey) = (TestNodes.KeyOf(alice), TestNodes.KeyOf(bob));

        // Both dial at once: a simultaneous connect, one connection kept on both sides.
        var sends = await Task.WhenAll(alice.SendAsync(bobKey, "hi bob"), bob.SendAsync(aliceKey, "hi alice"));
        Assert.All(sends, s => Assert.True(s.Success, s.Error));
        await aliceEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        await bobEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == alice.Identity.Id);

        // The same peer twice in the same direction: the second session replaces the first.
        using var identity = NodeIdentity.CreateEphemeral();
        await using var first = await RawSecurePeer.ConnectAsync(bob.Port, identity, bob.Identity.Id);
        await first.SendHelloAsync(listenPort: (ushort)TestNodes.DeadPort(), "twice");
        await bobEvents.WaitFor<SecurePeerConnected>(c => c.PeerId == identity.Id);
        await using var second = await RawSecurePeer.ConnectAsync(bob.Port, identity, bob.Identity.Id);
        await second.SendHelloAsync(listenPort: (ushort)TestNodes.DeadPort(), "twice");
        await second.ReadUntilAsync(Core.Secure.FrameType.Hello);

        // One connection that says nothing, one that stopped in the middle of its TLS ClientHello.
        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, bob.Port);
        using var halfHello = new TcpClient();
        await halfHello.ConnectAsync(IPAddress.Loopback, bob.Port);
        await halfHello.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01 });

        await bob.DisposeAsync().AsTask().WaitAsync(Wait);

        await aliceEvents.WaitFor<SecurePeerDisconnected>(d => d.PeerId == bob.Identity.Id);
        await first.ReadUntilClosedAsync(Wait);
        await second.ReadUntilClosedAsync(Wait);
        await ClosedAsync(silent);
        await ClosedAsync(halfHello);
        // Bob's end of every connection: accepted on its port, or dialled to alice's (alice dials no one else).
        await Eventually.HoldsAsync(() => ProcessSockets.WithLocalPort(bob.Port).Count == 0, "bob holds no socket on its port");
        await Eventually.HoldsAsync(() => !ProcessSockets.HoldsTo(alice.Port), "bob holds no socket it dialled to alice");
    }

    // Reads until the other side closes (greetings and all): throws if it stays open.
    private static async Task ClosedAsync(TcpClient client)
    {
        using var limit = new CancellationTokenSource(Wait);
        var buffer = new byte[256];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, limit.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset: closed as well.
        }
    }
}
