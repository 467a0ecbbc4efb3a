namespace CryptoSphere.Core.Node;

/// <summary>
/// When a loop that polls the store (the outbox's pass, the mailbox's) runs next: at once when woken, else after its
/// <see cref="IdleBackoff"/>. The store's <c>OutboxGrew</c> wakes it only while its last pass found nothing: a busy
/// loop finds a new message on its next pass, and a wake-up per commit would add a pass to every batch of a burst.
/// </summary>
internal sealed class StorePassWake(TimeSpan busy, TimeSpan idle) : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private IdleBackoff _backoff = new(busy, idle);
    private bool _idle;

    /// <summary>Call before a pass looks at the store: what is queued while it runs wakes the next one.</summary>
    public void PassStarting() => Volatile.Write(ref _idle, true);

    /// <summary>Waits after a pass that found work (<paramref name="found"/>) or none, until woken or the wait is out.</summary>
    public Task WaitAsync(bool found, CancellationToken token)
    {
        if (found)
            Volatile.Write(ref _idle, false);
        return _wake.WaitAsync(_backoff.Next(found), token);
    }

    /// <summary>The next pass runs now.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount != 0)
            return;
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another wake-up came first.
        }
        catch (ObjectDisposedException)
        {
            // The node has stopped: a message queued as it stopped waits for the next start.
        }
    }

    /// <summary>Wakes the loop if its last pass found nothing (for the store's <c>OutboxGrew</c>).</summary>
    public void WakeIfIdle()
    {
        if (Volatile.Read(ref _idle))
            Wake();
    }

    public void Dispose() => _wake.Dispose();
}
