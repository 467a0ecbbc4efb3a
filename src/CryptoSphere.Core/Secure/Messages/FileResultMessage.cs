using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>How a receiver's final check ended. Values are on the wire: never renumber.</summary>
internal enum FileResultStatus : ushort
{
    /// <summary>SHA-256 matched the offer; the file is in place.</summary>
    Ok = 0,

    /// <summary>SHA-256 did not match; the receiver deleted what it had.</summary>
    HashMismatch = 1,

    /// <summary>The receiver could not finish (disk full, rename failed); the reason says why.</summary>
    Failed = 2,
}

/// <summary>The receiver's verdict after FILE_DONE. Body: 16-byte transfer ID, u16 status, reason (UTF-8, the rest).</summary>
internal sealed record FileResultMessage(Guid TransferId, FileResultStatus Status, string Reason)
{
    private const int FixedSize = FileFields.IdSize + 2;

    public void Encode(IBufferWriter<byte> output)
    {
        var reason = WireText.Utf8.GetBytes(Reason);
        FrameCodec.Write(output, FrameType.FileResult, (this, reason), FixedSize + reason.Length, static (span, s) =>
        {
            FileFields.WriteId(span, s.Item1.TransferId);
            BinaryPrimitives.WriteUInt16BigEndian(span[16..], (ushort)s.Item1.Status);
            s.reason.CopyTo(span[FixedSize..]);
        });
    }

    public static FileResultMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> fixedPart = stackalloc byte[FixedSize];
        WireText.CopyPrefix(body, fixedPart, "FILE_RESULT");
        return new FileResultMessage(FileFields.ReadId(fixedPart), (FileResultStatus)BinaryPrimitives.ReadUInt16BigEndian(fixedPart[16..]),
            WireText.Decode(body.Slice(FixedSize), "FILE_RESULT reason"));
    }
}
