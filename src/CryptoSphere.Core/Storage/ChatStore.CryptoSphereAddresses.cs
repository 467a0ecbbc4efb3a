using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Storage;

// Addresses found to be CryptoSphere nodes after they looked like old peers (docs/protocol.md §2.1, a late greeting):
// kept so that a restarted node dials them over TLS at once instead of sending plaintext again.
public sealed partial class ChatStore
{
    internal void MarkCryptoSphereAddress(PeerKey address, DateTimeOffset at) => Locked(db =>
        Execute(db, "INSERT INTO cryptosphere_addresses(address, noticed_at) VALUES ($address, $at) ON CONFLICT(address) DO NOTHING",
            null, ("$address", address.ToString()), ("$at", at.ToUnixTimeMilliseconds())));

    internal IReadOnlyList<PeerKey> CryptoSphereAddresses() => Locked(db =>
    {
        using var command = Command(db, "SELECT address FROM cryptosphere_addresses", null);
        using var r = command.ExecuteReader();
        var addresses = new List<PeerKey>();
        while (r.Read())
        {
            if (PeerKey.TryParse(r.GetString(0), out var key, out _))
                addresses.Add(key);
        }
        return addresses;
    });
}
