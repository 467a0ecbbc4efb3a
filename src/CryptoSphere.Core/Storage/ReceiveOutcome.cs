namespace CryptoSphere.Core.Storage;

/// <summary>
/// What became of a received message: stored now, already stored (a resend: acknowledge again, show once),
/// or refused with a reason (neither stored nor acknowledged, so its author is never told "delivered").
/// </summary>
public readonly record struct ReceiveOutcome(bool IsNew, string? Refusal)
{
    public static readonly ReceiveOutcome New = new(true, null);

    public static readonly ReceiveOutcome Again = new(false, null);

    public static ReceiveOutcome Refused(string reason) => new(false, reason);

    public bool IsRefused => Refusal is not null;
}
