using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>A recipient asks the peer to hold its mail (1) or to stop and drop it (0). Body: u8. Answered with MAILBOX_STATUS.</summary>
internal readonly record struct MailboxRequestMessage(bool Wants)
{
    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.MailboxRequest, Wants, 1, static (span, wants) => span[0] = wants ? (byte)1 : (byte)0);

    public static MailboxRequestMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length != 1 || body.FirstSpan[0] > 1)
            throw new FrameFormatException("MAILBOX_REQUEST body must be one byte, 0 or 1");
        return new MailboxRequestMessage(body.FirstSpan[0] == 1);
    }
}
