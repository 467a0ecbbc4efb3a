namespace CryptoSphere.Core.Node;

/// <summary>A group message stored and on its way: written now to the members online, queued for the others.</summary>
public sealed record GroupSendResult(Guid MessageId, long Lamport, int SentNow, int Queued);
