namespace CryptoSphere.Core.Files;

/// <summary>
/// Decides when a transfer reports progress (at most once per <c>interval</c>, always at the end), and
/// estimates its rate over the last few seconds, so a stall shows quickly and one fast burst does not
/// promise too much.
/// </summary>
internal sealed class TransferMeter(TimeProvider clock, TimeSpan interval)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(3);

    private readonly Queue<(long Timestamp, long Bytes)> _samples = new();
    private long _lastReport = long.MinValue;
    private readonly object _gate = new();

    /// <summary>Restarts the rate estimate (a resume after a pause must not count the pause).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _samples.Clear();
            _lastReport = long.MinValue;
        }
    }

    /// <summary>True when a progress report is due; then <paramref name="rate"/> is in bytes per second (0 while unknown).</summary>
    public bool TryReport(long bytes, long size, out double rate, out TimeSpan? remaining)
    {
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            rate = 0;
            remaining = null;
            var due = bytes >= size || _lastReport == long.MinValue || clock.GetElapsedTime(_lastReport, now) >= interval;
            if (!due)
                return false;
            _lastReport = now;
            _samples.Enqueue((now, bytes));
            while (_samples.Count > 2 && clock.GetElapsedTime(_samples.Peek().Timestamp, now) > RateWindow)
                _samples.Dequeue();
            var (firstTime, firstBytes) = _samples.Peek();
            var seconds = clock.GetElapsedTime(firstTime, now).TotalSeconds;
            if (seconds > 0 && bytes > firstBytes)
            {
                rate = (bytes - firstBytes) / seconds;
                remaining = TimeSpan.FromSeconds(Math.Min((size - bytes) / rate, TimeSpan.MaxValue.TotalSeconds / 2));
            }
            return true;
        }
    }
}
