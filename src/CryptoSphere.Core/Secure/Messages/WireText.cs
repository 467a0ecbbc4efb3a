using System.Buffers;
using System.Text;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>UTF-8 as the secure protocol wants it: strict both ways.</summary>
internal static class WireText
{
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySequence<byte> bytes, string what)
    {
        try
        {
            return Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FrameFormatException($"{what} is not valid UTF-8");
        }
    }

    /// <summary>
    /// A display name as at most <paramref name="maxBytes"/> of UTF-8, cut at a character boundary (half a
    /// character is invalid UTF-8, which the peer rightly refuses); a lone surrogate becomes U+FFFD.
    /// </summary>
    public static byte[] Bounded(string text, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= maxBytes)
            return bytes;
        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            cut--;
        return bytes[..cut];
    }

    /// <summary>Copies a small fixed-size body prefix, or says the frame is too short.</summary>
    public static void CopyPrefix(ReadOnlySequence<byte> body, Span<byte> destination, string what)
    {
        if (body.Length < destination.Length)
            throw new FrameFormatException($"{what} frame too short ({body.Length} bytes, needs {destination.Length})");
        body.Slice(0, destination.Length).CopyTo(destination);
    }
}
