using System.Buffers;
using System.Buffers.Binary;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// A mailbox's answer to MAILBOX_REQUEST (and to a recipient that fetches). Body: u8 state, u32 quota count,
/// u64 quota bytes, u32 expiry seconds, u32 envelopes held, u64 bytes held.
/// </summary>
internal sealed record MailboxStatusMessage(ServeState State, int MaxEnvelopes, long MaxBytes, TimeSpan Expiry, int HeldCount, long HeldBytes)
{
    private const int Size = 1 + 4 + 8 + 4 + 4 + 8;

    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.MailboxStatus, this, Size, static (span, m) =>
        {
            span[0] = (byte)m.State;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)m.MaxEnvelopes);
            FileFields.WriteCount(span[5..], m.MaxBytes);
            BinaryPrimitives.WriteUInt32BigEndian(span[13..], (uint)m.Expiry.TotalSeconds);
            BinaryPrimitives.WriteUInt32BigEndian(span[17..], (uint)m.HeldCount);
            FileFields.WriteCount(span[21..], m.HeldBytes);
        });

    public static MailboxStatusMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length != Size)
            throw new FrameFormatException($"MAILBOX_STATUS body must be {Size} bytes");
        Span<byte> span = stackalloc byte[Size];
        body.CopyTo(span);
        if (span[0] > (byte)ServeState.Stopped)
            throw new FrameFormatException("MAILBOX_STATUS has an unknown state");
        var count = BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
        var held = BinaryPrimitives.ReadUInt32BigEndian(span[17..]);
        if (count > int.MaxValue || held > int.MaxValue)
            throw new FrameFormatException("MAILBOX_STATUS count out of range");
        return new MailboxStatusMessage((ServeState)span[0], (int)count, FileFields.ReadCount(span[5..], "MAILBOX_STATUS quota"),
            TimeSpan.FromSeconds(BinaryPrimitives.ReadUInt32BigEndian(span[13..])), (int)held, FileFields.ReadCount(span[21..], "MAILBOX_STATUS held bytes"));
    }
}
