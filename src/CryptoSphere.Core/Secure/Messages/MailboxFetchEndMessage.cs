using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>Ends the answer to one MAILBOX_FETCH. Body: u32 envelopes still held after this batch (fetch again if not 0).</summary>
internal readonly record struct MailboxFetchEndMessage(int Remaining)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.MailboxFetchEnd, Remaining, 4, static (span, r) => BinaryPrimitives.WriteUInt32BigEndian(span, (uint)r));

    public static MailboxFetchEndMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length != 4)
            throw new FrameFormatException("MAILBOX_FETCH_END body must be 4 bytes");
        Span<byte> span = stackalloc byte[4];
        body.CopyTo(span);
        var remaining = BinaryPrimitives.ReadUInt32BigEndian(span);
        if (remaining > int.MaxValue)
            throw new FrameFormatException("MAILBOX_FETCH_END count out of range");
        return new MailboxFetchEndMessage((int)remaining);
    }
}
