using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// The receiver takes an offered file. Body: 16-byte transfer ID, u64 offset to send from: 0 the first
/// time, the number of bytes it already holds when resuming.
/// </summary>
internal readonly record struct FileAcceptMessage(Guid TransferId, long Offset)
{
    private const int Size = FileFields.IdSize + 8;

    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.FileAccept, this, Size, static (span, m) =>
        {
            FileFields.WriteId(span, m.TransferId);
            FileFields.WriteCount(span[16..], m.Offset);
        });

    public static FileAcceptMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> bytes = stackalloc byte[Size];
        WireText.CopyPrefix(body, bytes, "FILE_ACCEPT");
        return new FileAcceptMessage(FileFields.ReadId(bytes), FileFields.ReadCount(bytes[16..], "FILE_ACCEPT offset"));
    }
}
