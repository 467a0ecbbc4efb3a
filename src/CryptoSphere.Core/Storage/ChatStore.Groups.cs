using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Storage;

// Groups: their membership as last set by the admin, and each group's Lamport clock.
public sealed partial class ChatStore
{
    public IReadOnlyList<Group> Groups() => Locked(db =>
    {
        using var command = Command(db, "SELECT id FROM groups ORDER BY name, id", null);
        using var reader = command.ExecuteReader();
        var ids = new List<Guid>();
        while (reader.Read())
            ids.Add(Guid.Parse(reader.GetString(0)));
        return ids.Select(id => ReadGroup(db, id)!).ToList();
    });

    private readonly Dictionary<Guid, Group> _groupCache = new();

    /// <summary>
    /// One group. Every group message needs its membership, so a copy is kept and reused while the stored
    /// version and membership flag are unchanged (another process, the `group` command, may change them).
    /// </summary>
    public Group? FindGroup(Guid id) => Locked(db =>
    {
        using (var check = Command(db, "SELECT version, is_member FROM groups WHERE id = $id", null, ("$id", id.ToString())))
        using (var row = check.ExecuteReader())
        {
            if (!row.Read())
                return null;
            if (_groupCache.TryGetValue(id, out var cached) && cached.Version == row.GetInt64(0) && cached.IsMember == (row.GetInt64(1) == 1))
                return cached;
        }
        var group = ReadGroup(db, id);
        if (group is not null)
            _groupCache[id] = group;
        return group;
    });

    /// <summary>
    /// Stores a group state if it is newer than the one known (or the group is new).
    /// Returns false, changing nothing, for an older or equal version.
    /// </summary>
    public bool SaveGroup(Group group, PeerId self) => Locked(db =>
    {
        var known = ReadGroup(db, group.Id);
        if (known is not null && known.Version >= group.Version)
            return false;
        // Leaving is this node's own decision, which the admin never hears of: its next change still lists this node,
        // and that wrote it back in (it took the group's messages again and could send). A state that removed this
        // node ends the leave: an admin who then adds it again is asking it back.
        var left = known is { IsMember: false } && known.HasMember(self);
        var member = !left && (group.Admin == self || group.HasMember(self));
        using var transaction = db.BeginTransaction();
        Execute(db, """
            INSERT INTO groups(id, name, admin, version, is_member) VALUES ($id, $name, $admin, $version, $member)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, version = excluded.version, is_member = excluded.is_member
            """, transaction, ("$id", group.Id.ToString()), ("$name", group.Name), ("$admin", group.Admin.Value),
            ("$version", group.Version), ("$member", member ? 1 : 0));
        Execute(db, "DELETE FROM group_members WHERE group_id = $id", transaction, ("$id", group.Id.ToString()));
        foreach (var m in group.Members)
            Execute(db, "INSERT INTO group_members(group_id, peer_id, address, removed) VALUES ($id, $peer, $address, $removed)",
                transaction, ("$id", group.Id.ToString()), ("$peer", m.Id.Value), ("$address", m.Address), ("$removed", m.Removed ? 1 : 0));
        Execute(db, "DELETE FROM group_removals WHERE group_id = $id", transaction, ("$id", group.Id.ToString()));
        foreach (var m in group.Members.Where(m => m.Removed && m.RemovedAtLamport > 0))
            Execute(db, "INSERT INTO group_removals(group_id, peer_id, lamport) VALUES ($id, $peer, $lamport)",
                transaction, ("$id", group.Id.ToString()), ("$peer", m.Id.Value), ("$lamport", m.RemovedAtLamport));
        transaction.Commit();
        return true;
    });

    /// <summary>
    /// The IDs and versions of the groups <paramref name="admin"/> administers, without their members: the admin's
    /// node asks every outbox pass (each second and after each send) whether one changed, and reading every group
    /// with its members for that cost a member list of a hundred parsed IDs each time, under the store's lock.
    /// </summary>
    public IReadOnlyList<(Guid Id, long Version)> GroupVersionsAdministeredBy(PeerId admin) => Locked(db =>
    {
        using var command = Command(db, "SELECT id, version FROM groups WHERE admin = $admin", null, ("$admin", admin.Value));
        using var reader = command.ExecuteReader();
        var versions = new List<(Guid, long)>();
        while (reader.Read())
            versions.Add((Guid.Parse(reader.GetString(0)), reader.GetInt64(1)));
        return versions;
    });

    /// <summary>Groups whose admin is <paramref name="admin"/>.</summary>
    public int GroupsAdministeredBy(PeerId admin) => Locked(db =>
        Convert.ToInt32(Scalar(db, "SELECT COUNT(*) FROM groups WHERE admin = $admin", ("$admin", admin.Value))));

    /// <summary>This node leaves: it stops taking part, and keeps the history.</summary>
    public void LeaveGroup(Guid id) => Locked(db =>
        Execute(db, "UPDATE groups SET is_member = 0 WHERE id = $id", null, ("$id", id.ToString())));

    /// <summary>How far one received message may move a group's clock: far more than any honest member ever sends.</summary>
    public const long MaxClockJump = 1L << 32;

    /// <summary>
    /// Lamport clock: a send ticks it; a receive moves it past the received time, but by at most
    /// <see cref="MaxClockJump"/> and never beyond <see cref="Secure.Messages.GroupChatMessage.MaxLamport"/>, so a
    /// member sending an absurd time cannot make the clock overflow and break the group for everyone.
    /// </summary>
    public long TickClock(Guid group, long seen = 0) => WriteNow(batch => Tick(batch, group, seen));

    private static long Tick(WriteBatch batch, Guid group, long seen)
    {
        batch.Execute("""
            UPDATE groups SET clock = MIN(MAX(clock, MIN($seen, clock + $jump)), $max - 1) + 1 WHERE id = $id
            """, ("$id", group.ToString()), ("$seen", seen), ("$jump", MaxClockJump), ("$max", Secure.Messages.GroupChatMessage.MaxLamport));
        return Convert.ToInt64(batch.Scalar("SELECT clock FROM groups WHERE id = $id", ("$id", group.ToString())));
    }

    private static Group? ReadGroup(Microsoft.Data.Sqlite.SqliteConnection db, Guid id)
    {
        using var command = Command(db, "SELECT name, admin, version, is_member FROM groups WHERE id = $id", null, ("$id", id.ToString()));
        using var reader = command.ExecuteReader();
        if (!reader.Read() || !PeerId.TryParse(reader.GetString(1), out var admin))
            return null;
        var (name, version, isMember) = (reader.GetString(0), reader.GetInt64(2), reader.GetInt64(3) == 1);
        using var members = Command(db, """
            SELECT m.peer_id, m.address, m.removed, COALESCE(r.lamport, 0) FROM group_members m
            LEFT JOIN group_removals r ON r.group_id = m.group_id AND r.peer_id = m.peer_id
            WHERE m.group_id = $id ORDER BY m.peer_id
            """, null, ("$id", id.ToString()));
        using var rows = members.ExecuteReader();
        var list = new List<GroupMember>();
        while (rows.Read())
        {
            if (PeerId.TryParse(rows.GetString(0), out var member))
                list.Add(new GroupMember(member, rows.IsDBNull(1) ? null : rows.GetString(1), rows.GetInt64(2) == 1, rows.GetInt64(3)));
        }
        return new Group(id, name, admin, version, list, isMember);
    }
}
