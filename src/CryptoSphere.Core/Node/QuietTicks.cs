namespace CryptoSphere.Core.Node;

/// <summary>
/// Stops a <see cref="PeriodicTimer"/> loop when a token is cancelled without an exception. A timer cancelled
/// through <see cref="PeriodicTimer.WaitForNextTickAsync"/>'s own token throws an OperationCanceledException
/// whose stack trace it captures with file and line numbers: the first time in a process that loads the symbol
/// reader and the PDBs, about a tenth of a second of CPU, which a one-shot <c>send</c> paid on every exit.
/// Disposing the timer instead ends the pending and every later wait with false.
/// </summary>
internal static class QuietTicks
{
    /// <summary>Dispose the result when the loop ends; from then on <paramref name="token"/> no longer touches the timer.</summary>
    public static CancellationTokenRegistration StopOn(this PeriodicTimer timer, CancellationToken token) =>
        token.UnsafeRegister(static state => ((PeriodicTimer)state!).Dispose(), timer);
}
