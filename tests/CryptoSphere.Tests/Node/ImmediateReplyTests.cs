using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// A message is shown only once its connection is registered with the node, so an answer sent the moment
/// it arrives (a bot, an event handler, a fast user) goes back over that connection instead of racing a
/// second one, which one side then closes as a duplicate.
/// </summary>
public sealed class ImmediateReplyTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _aliceDir = new();
    private readonly TempDirectory _bobDir = new();

    public void Dispose()
    {
        _aliceDir.Dispose();
        _bobDir.Dispose();
    }

    [Fact]
    public async Task No_message_is_shown_before_its_connection_is_registered_and_a_reply_from_the_handler_arrives()
    {
        // The handler below blocks a pool thread on purpose; enough threads keep the rest of both nodes running
        // meanwhile (otherwise the pool's slow growth, not the node, decides the order).
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
        await using var alice = await StoredNode.StartAsync("alice", _aliceDir.Path);
        await using var bob = await StoredNode.StartAsync("bob", _bobDir.Path);
        using var shown = new ManualResetEventSlim();
        bool? shownWhileConnecting = null;
        var reply = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Node.EventRaised += e =>
        {
            switch (e)
            {
                // Holds the node's connection bookkeeping for a moment, as a busy machine may: the message
                // that follows the Hello must wait for it, not overtake it.
                case SecurePeerConnected:
                    shownWhileConnecting = shown.Wait(TimeSpan.FromMilliseconds(500));
                    break;
                case MessageReceived { Text: "ping" } m:
                    shown.Set();
                    _ = bob.Node.SendAsync(m.From, "pong").ContinueWith(t => reply.TrySetResult(t.Result), TaskScheduler.Default);
                    break;
            }
        };

        var ping = await alice.Node.SendAsync(bob.Key, "ping");
        Assert.Equal(MessageState.Sent, ping.State);

        var pong = await reply.Task.WaitAsync(Long);
        Assert.False(shownWhileConnecting, $"the message was shown while its connection was still being registered:\n{bob.Events.Describe()}");
        Assert.True(pong.State == MessageState.Sent, $"the reply was {pong.State}: {pong.Error}\n{bob.Events.Describe()}");
        await alice.Events.WaitFor<MessageReceived>(m => m.Text == "pong", Long);
        await bob.Events.WaitFor<MessageDelivered>(d => d.MessageId == pong.MessageId, Long);
        await alice.Events.WaitFor<MessageDelivered>(d => d.MessageId == ping.MessageId, Long);
        Assert.Empty(bob.Events.All<PeerRefused>());
        Assert.Single(bob.Events.All<SecurePeerConnected>());
        Assert.Single(alice.Events.All<SecurePeerConnected>());
    }
}
