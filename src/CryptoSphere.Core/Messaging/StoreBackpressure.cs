using CryptoSphere.Core.Limits;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Messaging;

internal static class StoreBackpressure
{
    /// <summary>
    /// Takes room for one message of <paramref name="text"/> in the session's (and the node's) budget for
    /// messages read and not yet committed; returns what it took, for the store's callback to release. A store
    /// that cannot keep up for this long is broken (disk full): the connection is dropped rather than hung.
    /// </summary>
    public static async Task<long> WaitForStoreAsync(this SecureSession session, string text)
    {
        var cost = UnstoredBudget.CostOf(text);
        if (!await session.Unstored.TakeAsync(cost, session.WaitLimit).ConfigureAwait(false))
            throw new IOException($"the message store did not keep up for {session.WaitLimit.TotalSeconds:0.#} s");
        return cost;
    }

    /// <summary>Takes a slot for one acknowledgement read and not yet applied (released once it is applied).</summary>
    public static async ValueTask WaitForAckSlotAsync(this SecureSession session)
    {
        if (!session.PendingAcks.TryTake() && !await session.PendingAcks.TakeAsync(session.WaitLimit).ConfigureAwait(false))
            throw new IOException($"acknowledgements were not applied for {session.WaitLimit.TotalSeconds:0.#} s");
    }
}
