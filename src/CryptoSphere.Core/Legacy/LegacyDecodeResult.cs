namespace CryptoSphere.Core.Legacy;

/// <summary>Either a decoded message or the reason the bytes were refused.</summary>
internal readonly record struct LegacyDecodeResult(LegacyMessage? Message, string? Error)
{
    public bool Success => Message is not null;
    public static LegacyDecodeResult Ok(LegacyMessage message) => new(message, null);
    public static LegacyDecodeResult Fail(string error) => new(null, error);
}
