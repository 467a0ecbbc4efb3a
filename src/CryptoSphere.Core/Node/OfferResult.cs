using CryptoSphere.Core.Files;

namespace CryptoSphere.Core.Node;

/// <summary>How <see cref="ChatNode.OfferFileAsync(Identity.PeerId, string, string?, CancellationToken)"/> went.</summary>
public sealed record OfferResult(bool Success, string? Error, TransferInfo? Transfer)
{
    /// <summary>True when this continues an unfinished transfer of the same file to the same peer.</summary>
    public bool Resumed { get; init; }

    public static OfferResult Failed(string error) => new(false, error, null);
}
