using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;

namespace CryptoSphere.Core.Trust;

/// <summary>
/// <c>cryptosphere:invite?id=PEER-ID&amp;device=DEVICE-ID&amp;name=…&amp;addr=HOST:PORT,…&amp;relay=relay://…</c>: everything
/// someone on another network needs to reach this node. The ID is still proven by the handshake: a link only says
/// whom to expect and where to look.
/// </summary>
public sealed record InviteLink(PeerId Id, SyncthingDeviceId Device, string Name, IReadOnlyList<PeerKey> Addresses, RelayUrl? Relay)
{
    public const string Prefix = "cryptosphere:invite?";
    private const int MaxAddresses = 8;
    private const int MaxNameLength = 100;

    public override string ToString()
    {
        var parts = new List<string>
        {
            "id=" + Id.Value,
            "device=" + Device,
            "name=" + Uri.EscapeDataString(Name),
        };
        if (Addresses.Count > 0)
            parts.Add("addr=" + Uri.EscapeDataString(string.Join(',', Addresses)));
        if (Relay is not null)
            parts.Add("relay=" + Uri.EscapeDataString(Relay.ToString()));
        return Prefix + string.Join('&', parts);
    }

    public static bool TryParse(string? text, out InviteLink? link, out string error)
    {
        link = null;
        text = text?.Trim();
        if (text is null || !text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            error = $"not an invite link: it must start with {Prefix} (copy the whole link 'cryptosphere invite' printed)";
            return false;
        }
        var query = QueryString.Parse(text[Prefix.Length..]);
        if (!query.TryGetValue("id", out var idText) || !PeerId.TryParse(idText, out var id))
        {
            error = "the invite link has no valid id (peer ID)";
            return false;
        }
        if (!query.TryGetValue("device", out var deviceText) || !SyncthingDeviceId.TryParse(deviceText, out var device))
        {
            error = "the invite link has no valid device (Syncthing device ID)";
            return false;
        }
        var addresses = new List<PeerKey>();
        if (query.TryGetValue("addr", out var addrText))
        {
            foreach (var part in addrText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(MaxAddresses))
            {
                if (!PeerKey.TryParse(part, out var key, out var keyError))
                {
                    error = $"the invite link has a bad address: {keyError}";
                    return false;
                }
                // Not only "HOST:PORT" in shape: 'bad host!:43001' was taken in, and replaced a good stored address of an
                // unverified contact with one nothing can dial (found from outside).
                if (Uri.CheckHostName(key.Host) == UriHostNameType.Unknown)
                {
                    error = $"the invite link has a bad address: '{key.Host}' is not an IP address or host name";
                    return false;
                }
                addresses.Add(key);
            }
        }
        RelayUrl? relay = null;
        if (query.TryGetValue("relay", out var relayText) && !RelayUrl.TryParse(relayText, out relay, out var relayError))
        {
            error = $"the invite link has a bad relay: {relayError}";
            return false;
        }
        query.TryGetValue("name", out var name);
        // The name comes from someone else: printable and short before it reaches a terminal or the store.
        name = new string((name ?? "").Where(c => !char.IsControl(c)).Take(MaxNameLength).ToArray());
        link = new InviteLink(id, device, name, addresses, relay);
        error = "";
        return true;
    }

    /// <summary>
    /// Adds the contact the link names, trusted when <paramref name="trusted"/>, and returns it as it was before (null:
    /// it is new). A link is anyone's word, so a contact already trusted or blocked is left exactly as it is: a link
    /// from anyone renamed a verified "Bob" before, and could point it at another relay. Its own handshakes still bring
    /// its name and addresses. An unverified contact takes the link's name (unless the link has none), address and relay.
    /// </summary>
    public Contact? AddTo(TrustStore trust, bool trusted, DateTimeOffset now)
    {
        var before = trust.Find(Id);
        if (before is { State: TrustState.Trusted or TrustState.Blocked })
            return before;
        trust.RecordContact(Id, Name.Length > 0 || before is null ? Name : before.Name, Addresses.Count > 0 ? Addresses[0].ToString() : null, now, met: false);
        trust.RecordDeviceId(Id, Device, now);
        if (Relay is not null)
            trust.RecordRelay(Id, Relay, now);
        if (trusted)
            trust.SetState(Id, TrustState.Trusted, now);
        return before;
    }
}
