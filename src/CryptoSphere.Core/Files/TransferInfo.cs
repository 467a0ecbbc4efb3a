using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Files;

/// <summary>
/// A snapshot of one file transfer, for UIs and the database. <see cref="Path"/> is the file being sent
/// (outgoing), or the temporary file while receiving and the final file once completed (incoming).
/// <see cref="Bytes"/> counts bytes the receiver has written and hashed: a resume starts there.
/// </summary>
public sealed record TransferInfo(
    Guid Id,
    TransferDirection Direction,
    PeerId PeerId,
    string PeerName,
    string Name,
    string Path,
    long Size,
    string Sha256,
    long Bytes,
    TransferState State,
    DateTimeOffset Created,
    DateTimeOffset Updated)
{
    /// <summary>Why it failed, was declined or cancelled.</summary>
    public string? Error { get; init; }

    /// <summary>Outgoing: the file's last write time when offered, so a resume after a restart notices a changed file.</summary>
    public long? SourceWriteTime { get; init; }

    public bool IsOutgoing => Direction == TransferDirection.Outgoing;

    /// <summary>The first 12 hex digits of the ID: enough to tell transfers apart in lists.</summary>
    public string ShortId => Id.ToString("N")[..12];
}
