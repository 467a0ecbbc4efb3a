using System.Diagnostics;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Bench;

/// <summary>
/// The store's side of a secure send, alone: store the message in the outbox, mark it sent, apply its
/// acknowledgement. Once with each write in a transaction of its own (as every send was before group commit), once
/// with all the sends at once through the batching writer; both into a file database in WAL mode, in the same run.
/// </summary>
internal static class StoreSends
{
    private const string Target = "peer:bench";

    public sealed record Result(string Label, int Sends, double Rate, long Transactions);

    public static IReadOnlyList<Result> Run(string directory, int sends)
    {
        var results = new List<Result>();
        using (var store = ChatStore.Open(Path.Combine(directory, "one-by-one")))
        {
            var acks = store.WriterTransactions;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < sends; i++)
            {
                var message = Outgoing(i);
                store.AppendOutgoing(message, Target, message.StoredAt);
                store.MarkSent(message.Id, leaveOutbox: false);
                Acknowledge(store, message.Id).GetAwaiter().GetResult();
            }
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            // Two synchronous transactions per send, plus its acknowledgement's.
            results.Add(new("one transaction per write (store, mark sent, ack), one send at a time", sends, sends / seconds,
                2L * sends + store.WriterTransactions - acks));
        }
        using (var store = ChatStore.Open(Path.Combine(directory, "batched")))
        {
            var before = store.WriterTransactions;
            var start = Stopwatch.GetTimestamp();
            Task.WhenAll(Enumerable.Range(0, sends).Select(SendAsync)).GetAwaiter().GetResult();
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            results.Add(new($"batching writer, {sends:N0} sends at once", sends, sends / seconds, store.WriterTransactions - before));
            if (store.Outbox().Count != 0)
                throw new InvalidOperationException("a batched send was not acknowledged");

            async Task SendAsync(int i)
            {
                var message = Outgoing(i);
                await store.AppendOutgoingUnlessFullAsync(message, Target, message.StoredAt, int.MaxValue);
                await store.MarkSentAsync([message.Id], leaveOutbox: false);
                await Acknowledge(store, message.Id);
            }
        }
        return results;
    }

    private static Task<bool> Acknowledge(ChatStore store, Guid id)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AppendAcknowledgement(id, Target, done.SetResult);
        return done.Task;
    }

    private static StoredMessage Outgoing(int i)
    {
        var now = DateTimeOffset.UtcNow;
        return new StoredMessage(Guid.CreateVersion7(), Target, true, "bench", "127.0.0.1:4000", "bench", $"outgoing message number {i} with some words",
            PeerProtocol.Secure, now, now, MessageState.Queued);
    }
}
