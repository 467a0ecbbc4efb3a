using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// The receiver has written every byte before <see cref="Offset"/> to its temporary file: the sender may
/// free that much of its window, and a resume would start there. Body: 16-byte transfer ID, u64 offset.
/// </summary>
internal readonly record struct FileAckMessage(Guid TransferId, long Offset)
{
    private const int Size = FileFields.IdSize + 8;

    public void Encode(IBufferWriter<byte> output) =>
        FrameCodec.Write(output, FrameType.FileAck, this, Size, static (span, m) =>
        {
            FileFields.WriteId(span, m.TransferId);
            FileFields.WriteCount(span[16..], m.Offset);
        });

    public static FileAckMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> bytes = stackalloc byte[Size];
        WireText.CopyPrefix(body, bytes, "FILE_ACK");
        return new FileAckMessage(FileFields.ReadId(bytes), FileFields.ReadCount(bytes[16..], "FILE_ACK offset"));
    }
}
