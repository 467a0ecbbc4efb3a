using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// Per-address and total caps on open connections (Kestrel's ConnectionLimitMiddleware, per address too):
/// a flood from one address cannot crowd out everyone else.
/// </summary>
internal sealed class ConnectionLimiter(int perAddress, int total, ILogger log)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _open;
    private long _refused;

    /// <summary>True when one more connection from <paramref name="address"/> is allowed; then it must be released.</summary>
    public bool TryAcquire(IPAddress address)
    {
        var fromAddress = _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (fromAddress <= perAddress && Interlocked.Increment(ref _open) <= total)
            return true;
        if (fromAddress <= perAddress)
            Interlocked.Decrement(ref _open);
        Release(address, countsTotal: false);
        // One line per refused burst, not per connection: a flood must not flood the log too.
        var refused = Interlocked.Increment(ref _refused);
        if (refused % 1000 == 1)
            SessionLog.OverLimit(log, address, perAddress, total, refused);
        return false;
    }

    public void Release(IPAddress address) => Release(address, countsTotal: true);

    private void Release(IPAddress address, bool countsTotal)
    {
        if (countsTotal)
            Interlocked.Decrement(ref _open);
        if (_perAddress.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
            _perAddress.TryRemove(KeyValuePair.Create(address, 0));
    }
}
