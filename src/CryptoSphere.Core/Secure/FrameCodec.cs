using System.Buffers;
using System.Buffers.Binary;

namespace CryptoSphere.Core.Secure;

/// <summary>
/// Secure frames: a 4-byte big-endian payload length, then the payload (one type byte and a body).
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = 4;
    public const int DefaultMaxFrameBytes = 1024 * 1024;

    /// <summary>Writes one whole frame; <paramref name="writeBody"/> writes the body after the type byte.</summary>
    public static void Write<TState>(IBufferWriter<byte> output, FrameType type, TState state, int bodyLength,
        SpanAction<byte, TState> writeBody)
    {
        var total = HeaderSize + 1 + bodyLength;
        var span = output.GetSpan(total);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(1 + bodyLength));
        span[HeaderSize] = (byte)type;
        writeBody(span.Slice(HeaderSize + 1, bodyLength), state);
        output.Advance(total);
    }

    /// <summary>
    /// Takes one frame off the front of <paramref name="buffer"/> if it is all there.
    /// Throws <see cref="FrameFormatException"/> for an empty or oversized frame.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out FrameType type,
        out ReadOnlySequence<byte> body)
    {
        type = default;
        body = default;
        if (buffer.Length < HeaderSize)
            return false;

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0)
            throw new FrameFormatException("empty frame (length 0)");
        if (length > (uint)maxFrameBytes)
            throw new FrameFormatException($"frame of {length} bytes exceeds the {maxFrameBytes}-byte cap");
        if (buffer.Length < HeaderSize + length)
            return false;

        var payload = buffer.Slice(HeaderSize, length);
        type = (FrameType)payload.FirstSpan[0];
        body = payload.Slice(1);
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
