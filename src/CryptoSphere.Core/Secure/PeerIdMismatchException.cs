using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Secure;

/// <summary>The other side proved a different identity than the one asked for: a possible man in the middle.</summary>
internal sealed class PeerIdMismatchException(PeerId expected, PeerId actual)
    : Exception($"expected peer {expected} but the other side is {actual}: refusing (possible man in the middle)")
{
    public PeerId Expected { get; } = expected;
    public PeerId Actual { get; } = actual;
}
