using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A recipient asks its mailbox for held envelopes after a sequence number (0: from the oldest). Body: u16
/// most envelopes wanted (1 to <see cref="MaxBatch"/>), i64 after-sequence. Answered with ENVELOPE frames in
/// order and one MAILBOX_FETCH_END.
/// </summary>
internal readonly record struct MailboxFetchMessage(int Max, long AfterSequence)
{
    public const int MaxBatch = 256;

    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.MailboxFetch, this, 10, static (span, m) =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)m.Max);
            BinaryPrimitives.WriteInt64BigEndian(span[2..], m.AfterSequence);
        });

    public static MailboxFetchMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length != 10)
            throw new FrameFormatException("MAILBOX_FETCH body must be 10 bytes");
        Span<byte> span = stackalloc byte[10];
        body.CopyTo(span);
        var max = BinaryPrimitives.ReadUInt16BigEndian(span);
        var after = BinaryPrimitives.ReadInt64BigEndian(span[2..]);
        if (max is < 1 or > MaxBatch || after < 0)
            throw new FrameFormatException($"MAILBOX_FETCH asks for {max} envelopes after {after}; 1-{MaxBatch} after 0 or more allowed");
        return new MailboxFetchMessage(max, after);
    }
}
