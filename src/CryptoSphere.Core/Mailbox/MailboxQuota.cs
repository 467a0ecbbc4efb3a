namespace CryptoSphere.Core.Mailbox;

/// <summary>How much a mailbox holds for one recipient, and for how long.</summary>
public sealed record MailboxQuota(int MaxEnvelopes, long MaxBytes, TimeSpan Expiry)
{
    public static readonly MailboxQuota Default = new(200, 8L * 1024 * 1024, TimeSpan.FromDays(14));

    /// <summary>Null when usable, else why not (one line, for the user).</summary>
    public string? Problem =>
        MaxEnvelopes < 1 ? "the envelope count must be at least 1"
        : MaxBytes < EnvelopeCodec.MaxEnvelopeBytes ? $"the byte quota must be at least {EnvelopeCodec.MaxEnvelopeBytes:N0} bytes (one largest envelope)"
        : Expiry < TimeSpan.FromMinutes(1) || Expiry > TimeSpan.FromDays(365) ? "the expiry must be between 1 minute and 365 days"
        : null;
}
