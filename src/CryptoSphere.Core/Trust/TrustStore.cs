using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using Microsoft.Data.Sqlite;

namespace CryptoSphere.Core.Trust;

/// <summary>
/// Peer IDs and what the user decided about them, in the database's <c>contacts</c> table. Every read
/// goes to the database, so a decision made by another process (the <c>trust</c> command) counts at once.
/// </summary>
public sealed class TrustStore(ChatStore store)
{
    /// <summary>A store of its own in memory (tests, one-off commands).</summary>
    public static TrustStore InMemory() => new(ChatStore.OpenInMemory());

    public ChatStore Store { get; } = store;

    private const string Columns = "peer_id, state, name, first_seen, last_seen, last_address, device_id, relay_url";

    public IReadOnlyList<Contact> All() => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM contacts ORDER BY first_seen, peer_id", null);
        return ReadAll(command);
    });

    public Contact? Find(PeerId id) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM contacts WHERE peer_id = $id", null, ("$id", id.Value));
        return ReadAll(command).FirstOrDefault();
    });

    public TrustState StateOf(PeerId id) => Store.Locked(db =>
        ChatStore.Scalar(db, "SELECT state FROM contacts WHERE peer_id = $id", ("$id", id.Value)) is long state
            ? (TrustState)state
            : TrustState.Unknown);

    /// <summary>The contact last seen at <paramref name="address"/>, if any.</summary>
    public Contact? FindByAddress(string address) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM contacts WHERE last_address = $a ORDER BY last_seen DESC LIMIT 1",
            null, ("$a", address));
        return ReadAll(command).FirstOrDefault();
    });

    /// <summary>
    /// The trusted contacts only: a check made for every new peer must not read every contact ever met, which made
    /// each connection cost time and garbage in proportion to the peers seen before it.
    /// </summary>
    public IReadOnlyList<Contact> Trusted() => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db,
            $"SELECT {Columns} FROM contacts WHERE state = {(int)TrustState.Trusted} ORDER BY first_seen, peer_id", null);
        return ReadAll(command);
    });

    /// <summary>The trusted contact last seen at <paramref name="address"/>, if any: that address is bound to its ID.</summary>
    public Contact? FindTrustedByAddress(string address) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db,
            $"SELECT {Columns} FROM contacts WHERE last_address = $a AND state = {(int)TrustState.Trusted} ORDER BY last_seen DESC LIMIT 1",
            null, ("$a", address));
        return ReadAll(command).FirstOrDefault();
    });

    /// <summary>
    /// Records a contact (trust on first use); returns true the first time this ID is ever seen. <paramref name="met"/>
    /// false (an invite link added) records it without making it seen: its last-seen time stays
    /// <see cref="Contact.NeverSeen"/> until a handshake, so <c>contacts</c> does not say "last seen" at the time of <c>add</c>.
    /// </summary>
    public bool RecordContact(PeerId id, string name, string? address, DateTimeOffset now, bool met = true) => Store.Locked(db =>
    {
        var inserted = ChatStore.Execute(db, """
            INSERT OR IGNORE INTO contacts(peer_id, state, name, first_seen, last_seen, last_address)
            VALUES ($id, 0, $name, $now, $seen, $address)
            """, null, ("$id", id.Value), ("$name", name), ("$now", now.ToUnixTimeMilliseconds()), ("$seen", Seen(met, now)), ("$address", address));
        if (inserted == 0)
            ChatStore.Execute(db, """
                UPDATE contacts SET name = $name, last_seen = CASE WHEN $seen = 0 THEN last_seen ELSE $seen END, last_address = COALESCE($address, last_address) WHERE peer_id = $id
                """, null, ("$id", id.Value), ("$name", name), ("$seen", Seen(met, now)), ("$address", address));
        return inserted == 1;
    });

    // Never met is stored as last_seen 0 (the column is NOT NULL); Contact.NeverSeen reads it back.
    private static long Seen(bool met, DateTimeOffset now) => met ? now.ToUnixTimeMilliseconds() : 0;

    /// <summary>
    /// A decision made through this store (<see cref="SetState"/>), raised after it is committed and outside the lock.
    /// Features that act on a peer becoming trusted mid-session (the mailbox list, docs/protocol.md §19.6) listen here;
    /// a decision made by another process is not raised, and such features also look again on their own.
    /// </summary>
    public event Action<PeerId, TrustState>? StateChanged;

    public void SetState(PeerId id, TrustState state, DateTimeOffset now)
    {
        Store.Locked(db =>
            ChatStore.Execute(db, """
                INSERT INTO contacts(peer_id, state, name, first_seen, last_seen, last_address) VALUES ($id, $state, '', $now, 0, NULL)
                ON CONFLICT(peer_id) DO UPDATE SET state = excluded.state
                """, null, ("$id", id.Value), ("$state", (int)state), ("$now", now.ToUnixTimeMilliseconds())));
        StateChanged?.Invoke(id, state);
    }

    /// <summary>
    /// Stores the Syncthing device ID of the certificate <paramref name="id"/> proved itself with (the relay and
    /// discovery address for it). A contact row is created if there is none yet.
    /// </summary>
    public void RecordDeviceId(PeerId id, SyncthingDeviceId device, DateTimeOffset now) => Store.Locked(db =>
        ChatStore.Execute(db, """
            INSERT INTO contacts(peer_id, state, name, first_seen, last_seen, last_address, device_id) VALUES ($id, 0, '', $now, 0, NULL, $device)
            ON CONFLICT(peer_id) DO UPDATE SET device_id = excluded.device_id
            """, null, ("$id", id.Value), ("$now", now.ToUnixTimeMilliseconds()), ("$device", device.ToString())));

    /// <summary>Stores the relay the contact is joined to (from its invite): tried first to reach it.</summary>
    public void RecordRelay(PeerId id, Relay.RelayUrl relay, DateTimeOffset now) => Store.Locked(db =>
        ChatStore.Execute(db, """
            INSERT INTO contacts(peer_id, state, name, first_seen, last_seen, last_address, relay_url) VALUES ($id, 0, '', $now, 0, NULL, $relay)
            ON CONFLICT(peer_id) DO UPDATE SET relay_url = excluded.relay_url
            """, null, ("$id", id.Value), ("$now", now.ToUnixTimeMilliseconds()), ("$relay", relay.ToString())));

    /// <summary>The contact whose certificate has this device ID, if any.</summary>
    public Contact? FindByDeviceId(SyncthingDeviceId device) => Store.Locked(db =>
    {
        using var command = ChatStore.Command(db, $"SELECT {Columns} FROM contacts WHERE device_id = $d LIMIT 1", null, ("$d", device.ToString()));
        return ReadAll(command).FirstOrDefault();
    });

    /// <summary>Contacts whose ID starts with <paramref name="prefix"/> (dashes and case ignored).</summary>
    public IReadOnlyList<Contact> MatchPrefix(string prefix)
    {
        var wanted = PeerId.Normalize(prefix);
        return wanted.Length == 0 ? [] : All().Where(c => c.Id.Value.StartsWith(wanted, StringComparison.Ordinal)).ToList();
    }

    private static List<Contact> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var contacts = new List<Contact>();
        while (reader.Read())
        {
            if (!PeerId.TryParse(reader.GetString(0), out var id))
                continue;
            contacts.Add(new Contact(id, (TrustState)reader.GetInt32(1), reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5))
            {
                DeviceId = !reader.IsDBNull(6) && SyncthingDeviceId.TryParse(reader.GetString(6), out var device) ? device : null,
                Relay = !reader.IsDBNull(7) && Relay.RelayUrl.TryParse(reader.GetString(7), out var relay, out _) ? relay : null,
            });
        }
        return contacts;
    }
}
