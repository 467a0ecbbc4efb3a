using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>Why a member refused a group message for good (docs/protocol.md §5.11).</summary>
internal enum GroupRefusal : ushort
{
    /// <summary>The receiver is not in the group: it left, or the admin removed it.</summary>
    NotAMember = 1,

    /// <summary>The author is not a current member in the receiver's state.</summary>
    AuthorNotAMember = 2,
}

/// <summary>
/// A member will never accept a GROUP_MESSAGE. Body: 16-byte message ID, i64 the receiver's version of the group,
/// u16 <see cref="GroupRefusal"/>. The author ends that recipient's delivery as failed when the version is at least
/// its own (the refuser is not merely behind); otherwise it keeps it queued.
/// </summary>
internal readonly record struct GroupRefusedMessage(Guid MessageId, long Version, GroupRefusal Reason)
{
    private const int FixedSize = 26;

    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.GroupRefused, this, FixedSize, static (span, m) =>
        {
            m.MessageId.TryWriteBytes(span, bigEndian: true, out _);
            BinaryPrimitives.WriteInt64BigEndian(span[16..], m.Version);
            BinaryPrimitives.WriteUInt16BigEndian(span[24..], (ushort)m.Reason);
        });

    public static GroupRefusedMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "GROUP_REFUSED");
        return new GroupRefusedMessage(new Guid(fixedPart[..16], bigEndian: true), BinaryPrimitives.ReadInt64BigEndian(fixedPart[16..]),
            (GroupRefusal)BinaryPrimitives.ReadUInt16BigEndian(fixedPart[24..]));
    }
}
