using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// File data. Body: 16-byte transfer ID, u64 offset of the first byte, then the bytes (the rest of the
/// frame, at most <see cref="MaxDataBytes"/>). <see cref="Data"/> points into the receive buffer: it is
/// valid only while the frame handler runs, so the file bytes are never copied on the way to the disk.
/// </summary>
internal readonly struct FileChunkMessage(Guid transferId, long offset, ReadOnlySequence<byte> data)
{
    public const int MaxDataBytes = 64 * 1024;
    public const int HeaderSize = FileFields.IdSize + 8;

    public Guid TransferId { get; } = transferId;

    public long Offset { get; } = offset;

    public ReadOnlySequence<byte> Data { get; } = data;

    public static void Encode(IBufferWriter<byte> output, Guid transferId, long offset, ReadOnlyMemory<byte> data) =>
        FrameCodec.Write(output, FrameType.FileChunk, (transferId, offset, data), HeaderSize + data.Length, static (span, s) =>
        {
            FileFields.WriteId(span, s.transferId);
            FileFields.WriteCount(span[16..], s.offset);
            s.data.Span.CopyTo(span[HeaderSize..]);
        });

    public static FileChunkMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        WireText.CopyPrefix(body, header, "FILE_CHUNK");
        return new FileChunkMessage(FileFields.ReadId(header), FileFields.ReadCount(header[16..], "FILE_CHUNK offset"), body.Slice(HeaderSize));
    }
}
