namespace CryptoSphere.Core.Node;

/// <summary>The answer to accept, decline or cancel: done, or why not (unknown ID, already finished).</summary>
public sealed record TransferActionResult(bool Success, string? Error)
{
    public static readonly TransferActionResult Ok = new(true, null);

    public static TransferActionResult Failed(string error) => new(false, error);
}
