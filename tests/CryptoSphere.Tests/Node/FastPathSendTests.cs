using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// A send whose message a running flush already wrote returns without taking the flush lock (the outbox's fast path).
/// It may still say "sent" only once that flush has committed the message as sent. The store's commits are held here,
/// so the order is shown as it is, not left to whether the writer happens to be quicker than the send.
/// </summary>
public sealed class FastPathSendTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _aDir = new();
    private readonly TempDirectory _bDir = new();

    public void Dispose()
    {
        _aDir.Dispose();
        _bDir.Dispose();
    }

    [Fact]
    public async Task A_send_written_by_another_flush_reports_sent_only_after_that_flush_commits_it_as_sent()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        await using var b = await StoredNode.StartAsync("bob", _bDir.Path);
        var hello = await a.Node.SendAsync(b.Key, "hello");
        await hello.Delivered!.WaitAsync(Long);
        var bob = b.Identity.Id;
        var outbox = a.Node.OutboxForTests;

        // Two sends stored, as a burst's are, before either flushes; not due for the outbox's own pass.
        var (firstId, first) = await StoreAsync(a, b, "first");
        var (secondId, second) = await StoreAsync(a, b, "second");

        var commits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool> firstFlush, secondFlush;
        a.Store.CommitsHeldUntil = commits.Task;
        try
        {
            // The first send's flush writes both messages and queues the write that records them as sent, which waits.
            firstFlush = Task.Run(() => outbox.FlushAsync(bob, null, first));
            await Eventually.HoldsAsync(() => outbox.IsWritten(bob, second), "the first flush wrote the second message", Long);

            // The second send finds its message written: no flush lock, but it must wait for that commit.
            secondFlush = outbox.FlushAsync(bob, null, second);
            Assert.False(secondFlush.IsCompleted, "the second send returned before its message was recorded as sent");
            Assert.Equal(MessageState.Queued, StateOf(a, b, secondId));
            Assert.False(secondFlush.IsCompleted, "the second send returned before its message was recorded as sent");
            Assert.False(firstFlush.IsCompleted, "the first send returned before its message was recorded as sent");
        }
        finally
        {
            a.Store.CommitsHeldUntil = null;
            commits.SetResult();
        }

        Assert.True(await secondFlush.WaitAsync(Long));
        Assert.Contains(StateOf(a, b, secondId), new[] { MessageState.Sent, MessageState.Delivered });
        Assert.True(await firstFlush.WaitAsync(Long));
        Assert.Contains(StateOf(a, b, firstId), new[] { MessageState.Sent, MessageState.Delivered });
        await Eventually.HoldsAsync(() => b.Store.History(null, 10).Count == 3, "B stored both messages", Long);
    }

    // Stored as ChatSender stores a secure send, but due only in an hour, so nothing flushes it before the test does.
    private static async Task<(Guid Id, long Sequence)> StoreAsync(StoredNode from, StoredNode to, string text)
    {
        var id = Guid.CreateVersion7();
        var target = Outbox.TargetOf(to.Identity.Id);
        var now = DateTimeOffset.UtcNow;
        var sequence = await from.Store.AppendOutgoingUnlessFullAsync(new StoredMessage(id, target, true, to.Identity.Id.Value, to.Key.ToString(),
            "bob", text, PeerProtocol.Secure, now, now, MessageState.Queued), target, now.AddHours(1), 100);
        return (id, sequence ?? throw new InvalidOperationException("the outbox was full"));
    }

    private static MessageState StateOf(StoredNode from, StoredNode to, Guid id) =>
        from.Store.History(StoredMessage.ConversationOf(to.Identity.Id, default), 10).Single(m => m.Id == id).State;
}
