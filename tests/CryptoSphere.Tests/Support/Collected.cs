namespace CryptoSphere.Tests.Support;

/// <summary>Whether objects were let go: collected within a few seconds of full collections.</summary>
/// <remarks>
/// One collection straight after the owner let go is not enough: a loop that has just stopped (a bucket's refill loop
/// clears its flag, then returns) may still hold its owner for a moment on a thread-pool thread. An object held by
/// the timer queue or a static is never collected, however long this waits.
/// </remarks>
public static class Collected
{
    public static Task AllAsync(IReadOnlyCollection<WeakReference> references, string what) =>
        Eventually.HoldsAsync(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return references.All(r => !r.IsAlive);
        }, what, TimeSpan.FromSeconds(10));
}
