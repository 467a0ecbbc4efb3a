using System.Buffers;
using System.Buffers.Binary;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// What a peer needs to seal mail to the sender and where to leave it: its signed agreement key record and
/// its signed mailbox directory. Body: u16 record length, the record, then the directory (the rest).
/// Both are checked against the connection's peer ID by the receiver.
/// </summary>
internal sealed record MailboxInfoMessage(byte[] AgreementKey, byte[] Directory)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.MailboxInfo, this, 2 + AgreementKey.Length + Directory.Length, static (span, m) =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)m.AgreementKey.Length);
            m.AgreementKey.CopyTo(span[2..]);
            m.Directory.CopyTo(span[(2 + m.AgreementKey.Length)..]);
        });

    public static MailboxInfoMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> prefix = stackalloc byte[2];
        WireText.CopyPrefix(body, prefix, "MAILBOX_INFO");
        var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (length == 0 || length > AgreementKeyRecord.MaxEncodedBytes || body.Length < 2 + length)
            throw new FrameFormatException($"MAILBOX_INFO key record length {length} is out of range");
        return new MailboxInfoMessage(body.Slice(2, length).ToArray(),
            MailboxFields.Rest(body, 2 + length, MailboxDirectory.MaxEncodedBytes, "MAILBOX_INFO"));
    }
}
