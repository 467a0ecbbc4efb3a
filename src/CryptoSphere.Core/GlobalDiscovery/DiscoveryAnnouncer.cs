using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>
/// Keeps the node's addresses on the discovery server: announces at start, again when the server asks
/// (Reannounce-After) or when the addresses change (<see cref="AnnounceNow"/>), and retries after failures.
/// </summary>
public sealed class DiscoveryAnnouncer : IAsyncDisposable
{
    private readonly GlobalDiscoveryClient _client;
    private readonly Func<IReadOnlyCollection<string>> _addresses;
    private readonly TimeSpan _retry;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task? _loop;

    public DiscoveryAnnouncer(GlobalDiscoveryClient client, Func<IReadOnlyCollection<string>> addresses, TimeSpan? retry = null, ILogger? logger = null)
    {
        _client = client;
        _addresses = addresses;
        _retry = retry ?? TimeSpan.FromMinutes(5);
        _log = logger ?? NullLogger.Instance;
    }

    /// <summary>Successful announcements so far.</summary>
    public int Announcements { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Raised after each successful announcement, with what was announced.</summary>
    public event Action<IReadOnlyCollection<string>>? Announced;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Announce without waiting for the next due time (the addresses changed).</summary>
    public void AnnounceNow()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one announcement covers both changes.
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TimeSpan next;
            var addresses = _addresses();
            try
            {
                if (addresses.Count == 0)
                {
                    next = _retry;
                }
                else
                {
                    next = await _client.AnnounceAsync(addresses, stop).ConfigureAwait(false);
                    Announcements++;
                    LastError = null;
                    DiscoveryLog.Announced(_log, _client.Server, addresses.Count, next);
                    Announced?.Invoke(addresses);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (DiscoveryException e)
            {
                LastError = e.Message;
                next = _retry;
                DiscoveryLog.AnnounceFailed(_log, _client.Server, e.Message, next);
            }
            try
            {
                await _wake.WaitAsync(next, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
