using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>What the mailbox frames share: a signed record carried as bytes, checked against its cap here and parsed by the mailbox code.</summary>
internal static class MailboxFields
{
    /// <summary>The rest of <paramref name="body"/> from <paramref name="offset"/>, copied (the receive buffer is reused), 1 to <paramref name="max"/> bytes.</summary>
    public static byte[] Rest(ReadOnlySequence<byte> body, int offset, int max, string what)
    {
        var length = body.Length - offset;
        if (length < 1)
            throw new FrameFormatException($"{what} frame too short");
        if (length > max)
            throw new FrameFormatException($"{what} frame carries {length} bytes, at most {max} allowed");
        return body.Slice(offset).ToArray();
    }

    public static void WriteGuid(Span<byte> span, Guid id) => id.TryWriteBytes(span, bigEndian: true, out _);

    public static Guid ReadGuid(ReadOnlySpan<byte> span) => new(span[..16], bigEndian: true);
}
