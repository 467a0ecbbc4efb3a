using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A message to a group, sent to each member over its own connection. Body: 16-byte group ID, 16-byte
/// message ID, i64 Lamport time, i64 send time (Unix ms), text (UTF-8, the rest). Acknowledged with ACK.
/// </summary>
internal sealed record GroupChatMessage(Guid GroupId, Guid Id, long Lamport, DateTimeOffset SentAt, string Text)
{
    private const int FixedSize = 48;

    public void Encode(IBufferWriter<byte> output)
    {
        var length = WireText.Utf8.GetByteCount(Text);
        FrameCodec.Write(output, FrameType.GroupMessage, this, FixedSize + length, static (span, m) =>
        {
            m.GroupId.TryWriteBytes(span, bigEndian: true, out _);
            m.Id.TryWriteBytes(span[16..], bigEndian: true, out _);
            BinaryPrimitives.WriteInt64BigEndian(span[32..], m.Lamport);
            BinaryPrimitives.WriteInt64BigEndian(span[40..], m.SentAt.ToUnixTimeMilliseconds());
            WireText.Utf8.GetBytes(m.Text, span[FixedSize..]);
        });
    }

    public static GroupChatMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "GROUP_MESSAGE");
        var lamport = BinaryPrimitives.ReadInt64BigEndian(fixedPart[32..]);
        var millis = BinaryPrimitives.ReadInt64BigEndian(fixedPart[40..]);
        if (lamport < 0 || millis < 0 || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            throw new FrameFormatException("GROUP_MESSAGE clock or send time out of range");
        return new GroupChatMessage(new Guid(fixedPart[..16], bigEndian: true), new Guid(fixedPart[16..32], bigEndian: true),
            lamport, DateTimeOffset.FromUnixTimeMilliseconds(millis), WireText.Decode(body.Slice(FixedSize), "GROUP_MESSAGE text"));
    }
}
