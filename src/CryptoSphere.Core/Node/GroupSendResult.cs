using CryptoSphere.Core.Groups;

namespace CryptoSphere.Core.Node;

/// <summary>
/// A group message stored and on its way: written now to the members online, queued for the others; or refused
/// before anything was stored (<see cref="Error"/>, <see cref="Failure"/>).
/// </summary>
public sealed record GroupSendResult(Guid MessageId, long Lamport, int SentNow, int Queued)
{
    public string? Error { get; init; }

    public GroupFailure Failure { get; init; }

    public bool Success => Failure == GroupFailure.None;

    public static GroupSendResult Failed(GroupFailure failure, string error) => new(Guid.Empty, 0, 0, 0) { Error = error, Failure = failure };
}
