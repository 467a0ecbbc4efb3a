using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>The sender has sent every byte. Body: 16-byte transfer ID, u64 total size sent.</summary>
internal readonly record struct FileDoneMessage(Guid TransferId, long Size)
{
    private const int BodySize = FileFields.IdSize + 8;

    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.FileDone, this, BodySize, static (span, m) =>
        {
            FileFields.WriteId(span, m.TransferId);
            FileFields.WriteCount(span[16..], m.Size);
        });

    public static FileDoneMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> bytes = stackalloc byte[BodySize];
        WireText.CopyPrefix(body, bytes, "FILE_DONE");
        return new FileDoneMessage(FileFields.ReadId(bytes), FileFields.ReadCount(bytes[16..], "FILE_DONE size"));
    }
}
