namespace CryptoSphere.Core.Relay;

/// <summary>
/// Delays between attempts to rejoin a relay: doubling from <see cref="Min"/> to <see cref="Max"/>, with up to a
/// quarter of random spread so a relay restart is not met by every client at the same instant.
/// </summary>
internal sealed class RelayBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    public TimeSpan Min { get; } = min;

    public TimeSpan Max { get; } = max;

    public TimeSpan Next()
    {
        var exponent = Math.Min(_failures++, 30);
        var baseDelay = Math.Min(Min.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);
        var spread = baseDelay * 0.25 * _random.NextDouble();
        return TimeSpan.FromMilliseconds(Math.Min(baseDelay + spread, Max.TotalMilliseconds));
    }

    /// <summary>After a join that worked: the next failure starts again from <see cref="Min"/>.</summary>
    public void Reset() => _failures = 0;
}
