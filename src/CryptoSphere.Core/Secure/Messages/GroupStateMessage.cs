using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A group's membership, from its admin. Body: 16-byte group ID, i64 version (1 and up), u8+ASCII admin ID,
/// u8+UTF-8 name (at most 255 bytes), u16 member count, then per member u8+ASCII ID, u8+ASCII address ("" when unknown), u8 removed flag;
/// then, optionally, one i64 per member in the same order: the admin's Lamport time at that member's removal (0 when
/// current or unknown). Older senders write no such block and older receivers ignore it (they ignore bytes after the members).
/// </summary>
internal static class GroupStateMessage
{
    /// <summary>The longest name a group has on the wire, in bytes of UTF-8.</summary>
    public const int MaxNameBytes = 255;

    public const int MaxMembers = 512;

    public static void Encode(Group group, IBufferWriter<byte> output)
    {
        var name = WireText.Bounded(group.Name, MaxNameBytes);
        var admin = Encoding.ASCII.GetBytes(group.Admin.Value);
        var members = group.Members.Take(MaxMembers)
            .Select(m => (Id: Encoding.ASCII.GetBytes(m.Id.Value), Address: Encoding.ASCII.GetBytes(m.Address ?? ""), m.Removed,
                RemovedAt: m.Removed ? m.RemovedAtLamport : 0))
            .Where(m => m.Address.Length <= 255)
            .ToList();
        // Only a state with a known removal time carries the block: the others stay byte for byte as before.
        var times = members.Any(m => m.RemovedAt != 0);
        var length = 16 + 8 + 1 + admin.Length + 1 + name.Length + 2 + members.Sum(m => 1 + m.Id.Length + 1 + m.Address.Length + 1)
            + (times ? 8 * members.Count : 0);
        FrameCodec.Write(output, FrameType.GroupState, (group, admin, name, members, times), length, static (span, s) =>
        {
            s.group.Id.TryWriteBytes(span, bigEndian: true, out _);
            BinaryPrimitives.WriteInt64BigEndian(span[16..], s.group.Version);
            var at = 24;
            at = Put(span, at, s.admin);
            at = Put(span, at, s.name);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)s.members.Count);
            at += 2;
            foreach (var (id, address, removed, _) in s.members)
            {
                at = Put(span, at, id);
                at = Put(span, at, address);
                span[at++] = removed ? (byte)1 : (byte)0;
            }
            if (!s.times)
                return;
            foreach (var member in s.members)
            {
                BinaryPrimitives.WriteInt64BigEndian(span[at..], member.RemovedAt);
                at += 8;
            }
        });
    }

    public static Group Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length > 256 * 1024)
            throw new FrameFormatException("GROUP_STATE frame too large");
        var bytes = body.ToArray();
        if (bytes.Length < 24)
            throw new FrameFormatException("GROUP_STATE frame too short");
        var id = new Guid(bytes.AsSpan(0, 16), bigEndian: true);
        var version = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16));
        var at = 24;
        var admin = ParseId(Take(bytes, ref at));
        var name = DecodeName(Take(bytes, ref at));
        if (at + 2 > bytes.Length)
            throw new FrameFormatException("GROUP_STATE frame too short");
        var count = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at));
        at += 2;
        if (count > MaxMembers)
            throw new FrameFormatException($"GROUP_STATE lists {count} members, over {MaxMembers}");
        var members = new List<GroupMember>(count);
        for (var i = 0; i < count; i++)
        {
            var member = ParseId(Take(bytes, ref at));
            var address = Encoding.ASCII.GetString(Take(bytes, ref at));
            if (at >= bytes.Length)
                throw new FrameFormatException("GROUP_STATE member runs past the end of the frame");
            members.Add(new GroupMember(member, address.Length == 0 ? null : address, bytes[at++] == 1));
        }
        // Fewer bytes than a whole block: a sender from before removal times (it writes none); every time is then 0.
        if (bytes.Length - at >= 8L * count)
            members = ReadRemovalTimes(bytes.AsSpan(at), members);
        if (version < 1)
            throw new FrameFormatException($"GROUP_STATE with version {version}");
        if (members.DistinctBy(m => m.Id).Count() != members.Count)
            throw new FrameFormatException("GROUP_STATE lists a member twice");
        return new Group(id, name, admin, version, members, true);
    }

    private static List<GroupMember> ReadRemovalTimes(ReadOnlySpan<byte> block, List<GroupMember> members)
    {
        var timed = new List<GroupMember>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            var lamport = BinaryPrimitives.ReadInt64BigEndian(block[(8 * i)..]);
            if (lamport < 0 || lamport > GroupChatMessage.MaxLamport)
                throw new FrameFormatException($"GROUP_STATE with removal time {lamport}");
            // A current member has no removal time, whatever the sender wrote for it.
            timed.Add(members[i].Removed ? members[i] with { RemovedAtLamport = lamport } : members[i]);
        }
        return timed;
    }

    private static int Put(Span<byte> span, int at, byte[] value)
    {
        span[at] = (byte)value.Length;
        value.CopyTo(span[(at + 1)..]);
        return at + 1 + value.Length;
    }

    private static ReadOnlySpan<byte> Take(byte[] bytes, ref int at)
    {
        if (at >= bytes.Length || at + 1 + bytes[at] > bytes.Length)
            throw new FrameFormatException("GROUP_STATE field runs past the end of the frame");
        var value = bytes.AsSpan(at + 1, bytes[at]);
        at += 1 + bytes[at];
        return value;
    }

    private static PeerId ParseId(ReadOnlySpan<byte> ascii) =>
        PeerId.TryParse(Encoding.ASCII.GetString(ascii), out var id) ? id : throw new FrameFormatException("GROUP_STATE with a malformed peer ID");

    private static string DecodeName(ReadOnlySpan<byte> utf8) =>
        WireText.Decode(new ReadOnlySequence<byte>(utf8.ToArray()), "GROUP_STATE name");
}
