namespace CryptoSphere.Core.Files;

/// <summary>Where a transfer stands. Values are stored in the database: never renumber.</summary>
public enum TransferState
{
    /// <summary>Offered; the receiver has not answered yet (incoming: waiting for you).</summary>
    Offered = 0,

    /// <summary>Accepted: data is flowing.</summary>
    Active = 1,

    /// <summary>Accepted, but the connection is down: it resumes from the last verified offset when the peer is back.</summary>
    Interrupted = 2,

    /// <summary>Every byte arrived and the receiver's SHA-256 matched the offer.</summary>
    Completed = 3,

    /// <summary>Given up: hash mismatch, a file error, or a peer that broke the rules. The reason says which.</summary>
    Failed = 4,

    /// <summary>The receiver said no (or refused it: too large, not accepting files).</summary>
    Declined = 5,

    /// <summary>Stopped by either side.</summary>
    Cancelled = 6,
}

public static class TransferStateExtensions
{
    /// <summary>Completed, failed, declined or cancelled: nothing more will happen to it.</summary>
    public static bool IsFinished(this TransferState state) => state >= TransferState.Completed;
}
