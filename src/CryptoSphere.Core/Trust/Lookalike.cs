using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Trust;

/// <summary>
/// A key met for the first time that uses a trusted peer's name or address: most likely someone posing as
/// that peer (or the peer with a new key, which its owner can confirm out of band). Names are compared
/// without case, since a terminal shows "Bob" and "bob" alike at a glance.
/// </summary>
internal static class Lookalike
{
    public static Contact? Of(TrustStore trust, PeerId newcomer, string name, string address) =>
        trust.Trusted().FirstOrDefault(c => c.Id != newcomer
                                        && ((name.Length > 0 && string.Equals(c.Name.Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase))
                                            || c.LastAddress == address));
}
