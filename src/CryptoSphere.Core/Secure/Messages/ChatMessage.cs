using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A chat message. Body: 16-byte message ID (UUIDv7, RFC 9562 byte order), i64 send time
/// (Unix milliseconds), text (UTF-8, the rest of the frame).
/// </summary>
public sealed record ChatMessage(Guid Id, DateTimeOffset SentAt, string Text)
{
    private const int FixedSize = 24;

    public static ChatMessage Create(string text, TimeProvider? clock = null) =>
        new(Messaging.MessageIds.NewV7(), (clock ?? TimeProvider.System).GetUtcNow(), text);

    public void Encode(IBufferWriter<byte> output) => Encode(output, Id, SentAt, Text);

    /// <summary>The frame of a message with these fields, without making the record (the outbox writes one per stored message).</summary>
    public static void Encode(IBufferWriter<byte> output, Guid id, DateTimeOffset sentAt, string text)
    {
        var length = WireText.Utf8.GetByteCount(text);
        FrameCodec.Write(output, FrameType.Chat, (id, sentAt, text), FixedSize + length, static (span, m) =>
        {
            m.id.TryWriteBytes(span, bigEndian: true, out _);
            BinaryPrimitives.WriteInt64BigEndian(span[16..], m.sentAt.ToUnixTimeMilliseconds());
            WireText.Utf8.GetBytes(m.text, span[FixedSize..]);
        });
    }

    public static ChatMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "CHAT");
        var millis = BinaryPrimitives.ReadInt64BigEndian(fixedPart[16..]);
        if (millis < 0 || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            throw new FrameFormatException("CHAT send time out of range");
        return new ChatMessage(
            new Guid(fixedPart[..16], bigEndian: true),
            DateTimeOffset.FromUnixTimeMilliseconds(millis),
            WireText.Decode(body.Slice(FixedSize), "CHAT text"));
    }
}
