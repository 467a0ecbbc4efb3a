using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// Many sends at once between two nodes with their databases on disk, as a script or a broadcast makes them: the
/// sends share the sender's transactions (group commit), and every message still arrives once and is acknowledged.
/// </summary>
public sealed class ConcurrentSendTests : IDisposable
{
    private const int Sends = 300;
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _aDir = new();
    private readonly TempDirectory _bDir = new();

    public void Dispose()
    {
        _aDir.Dispose();
        _bDir.Dispose();
    }

    [Fact]
    public async Task Concurrent_first_sends_to_an_address_share_transactions_and_each_arrives_once()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        await using var b = await StoredNode.StartAsync("bob", _bDir.Path);
        var texts = Enumerable.Range(0, Sends).Select(i => $"burst {i:000}").ToArray();
        var before = a.Store.WriterTransactions;

        // No session yet: every send is stored for the address, which then turns out to be a secure peer, and each
        // message moves to that peer's outbox while others are already being written on the new session.
        var results = await Task.WhenAll(texts.Select(t => a.Node.SendAsync(b.Key, t))).WaitAsync(Long);

        Assert.All(results, r => Assert.NotEqual(MessageState.Failed, r.State));
        await Task.WhenAll(results.Select(r => r.Delivered!)).WaitAsync(Long);
        var transactions = a.Store.WriterTransactions - before;
        // One at a time, each send took at least two transactions (store, then mark sent) and its ack a third.
        Assert.True(transactions < Sends, $"{Sends} concurrent sends took {transactions} transactions");

        await Eventually.HoldsAsync(() => b.Store.History(null, Sends + 10).Count == Sends, "B stored every message", Long);
        var stored = b.Store.History(null, Sends + 10);
        Assert.Equal(texts.Order(), stored.Select(m => m.Text).Order());
        await Eventually.HoldsAsync(() => b.Events.All<MessageReceived>().Count >= Sends, "B showed every message", Long);
        var shown = b.Events.All<MessageReceived>();
        Assert.Equal(Sends, shown.Count);
        Assert.Equal(Sends, shown.Select(m => m.MessageId).Distinct().Count());
        Assert.Empty(a.Store.Outbox());
        Assert.All(a.Store.History(null, Sends + 10), m => Assert.Equal(MessageState.Delivered, m.State));
    }

    [Fact]
    public async Task Concurrent_sends_on_a_live_session_all_report_sent_and_each_arrives_once()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        await using var b = await StoredNode.StartAsync("bob", _bDir.Path);
        var hello = await a.Node.SendAsync(b.Key, "hello");
        await hello.Delivered!.WaitAsync(Long);
        var conversation = StoredMessage.ConversationOf(b.Identity.Id, default);

        // Stored in shared batches: the first flush writes them all, and the others return without taking its lock.
        // Each still says sent, and its row says so too when the call returns (the writer is quick, so this second check
        // rarely sees a send that returned early: it guards the result; FastPathSendTests holds the commit to prove the order).
        var seen = await Task.WhenAll(Enumerable.Range(0, Sends).Select(async i =>
        {
            var sent = await a.Node.SendAsync(b.Key, $"live {i:000}");
            var stored = a.Store.History(conversation, Sends + 10).Single(m => m.Id == sent.MessageId);
            return (Said: sent.State, Stored: stored.State);
        })).WaitAsync(Long);

        Assert.All(seen, s => Assert.Equal(MessageState.Sent, s.Said));
        Assert.All(seen, s => Assert.Contains(s.Stored, new[] { MessageState.Sent, MessageState.Delivered }));
        await Eventually.HoldsAsync(() => b.Store.History(null, Sends + 10).Count == Sends + 1, "B stored every message", Long);
        Assert.Equal(Sends + 1, b.Store.History(null, Sends + 10).Select(m => m.Id).Distinct().Count());
    }
}
