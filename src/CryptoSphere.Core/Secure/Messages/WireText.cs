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

    /// <summary>Copies a small fixed-size body prefix, or says the frame is too short.</summary>
    public static void CopyPrefix(ReadOnlySequence<byte> body, Span<byte> destination, string what)
    {
        if (body.Length < destination.Length)
            throw new FrameFormatException($"{what} frame too short ({body.Length} bytes, needs {destination.Length})");
        body.Slice(0, destination.Length).CopyTo(destination);
    }
}
