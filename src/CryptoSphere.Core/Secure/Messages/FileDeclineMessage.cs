using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>Why a receiver turned an offer down. Values are on the wire: never renumber.</summary>
internal enum DeclineReason : ushort
{
    /// <summary>The user said no.</summary>
    Declined = 1,

    /// <summary>Bigger than the receiver's size cap per transfer.</summary>
    TooLarge = 2,

    /// <summary>The receiver cannot take files now (no downloads folder, too many offers waiting, untrusted sender).</summary>
    Unavailable = 3,
}

/// <summary>The receiver refuses an offer. Body: 16-byte transfer ID, u16 reason code, text (UTF-8, the rest).</summary>
internal sealed record FileDeclineMessage(Guid TransferId, DeclineReason Reason, string Text)
{
    private const int FixedSize = FileFields.IdSize + 2;

    public void Encode(IBufferWriter<byte> output)
    {
        var text = WireText.Utf8.GetBytes(Text);
        FrameCodec.Write(output, FrameType.FileDecline, (this, text), FixedSize + text.Length, static (span, s) =>
        {
            FileFields.WriteId(span, s.Item1.TransferId);
            BinaryPrimitives.WriteUInt16BigEndian(span[16..], (ushort)s.Item1.Reason);
            s.text.CopyTo(span[FixedSize..]);
        });
    }

    public static FileDeclineMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "FILE_DECLINE");
        return new FileDeclineMessage(FileFields.ReadId(fixedPart), (DeclineReason)BinaryPrimitives.ReadUInt16BigEndian(fixedPart[16..]),
            WireText.Decode(body.Slice(FixedSize), "FILE_DECLINE text"));
    }
}
