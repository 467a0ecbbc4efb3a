using CryptoSphere.Core.Files;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Node;

/// <summary>Everything a UI may want to show; published by <see cref="ChatNode"/>, never printed by it.</summary>
public abstract record NodeEvent(DateTimeOffset Time);

/// <param name="Bind">
/// The address the node listens on ("0.0.0.0" for all): with --bind 127.0.0.1 --advertise-ip 192.0.2.2 the advertised
/// address refuses connections, and "Listening on 192.0.2.2" named only that one (found from outside). Null from
/// code that does not know it.
/// </param>
public sealed record NodeStarted(DateTimeOffset Time, string AdvertisedIp, int Port, int? RequestedPort, string? Bind = null) : NodeEvent(Time);

/// <summary>A chat message. Secure messages carry the sender's proven ID, a message ID and the send time.</summary>
public sealed record MessageReceived(
    DateTimeOffset Time, PeerKey From, string Name, string Text, PeerProtocol Protocol,
    PeerId? PeerId = null, Guid? MessageId = null, DateTimeOffset? SentAt = null) : NodeEvent(Time)
{
    /// <summary>A legacy message whose bytes were not valid UTF-8: the bad sequences show as U+FFFD.</summary>
    public bool InvalidUtf8 { get; init; }

    /// <summary>
    /// A sealed message from a mailbox that the sender sent before messages of theirs already shown: a mailbox held
    /// it back, so it is shown out of the sender's order (say so).
    /// </summary>
    public bool ArrivedLate { get; init; }
}

/// <summary>An outgoing message was given up (retries or age exhausted); it stays in history as failed.</summary>
public sealed record MessageFailed(DateTimeOffset Time, PeerKey To, Guid MessageId, string Reason) : NodeEvent(Time);

/// <summary>A mailbox holds a sealed copy of a message for its offline recipient (the message stays in the outbox).</summary>
public sealed record MessageHeldByMailbox(DateTimeOffset Time, Guid MessageId, PeerId Recipient, PeerId Mailbox) : NodeEvent(Time);

/// <summary>The receiver acknowledged a secure message.</summary>
public sealed record MessageDelivered(DateTimeOffset Time, PeerKey To, PeerId PeerId, Guid MessageId) : NodeEvent(Time);

public sealed record SecurePeerConnected(
    DateTimeOffset Time, PeerKey Address, PeerId PeerId, string Name, TrustState Trust, bool FirstContact) : NodeEvent(Time)
{
    /// <summary>How the peer was found: announced or exchanged peers are ones the user never turned to.</summary>
    public PeerSource Source { get; init; } = PeerSource.Incoming;
    /// <summary>A trusted peer whose name or address this new key uses: warn, it is most likely not them.</summary>
    public PeerId? LookalikeOf { get; init; }
}

public sealed record SecurePeerDisconnected(DateTimeOffset Time, PeerKey Address, PeerId PeerId, string Reason) : NodeEvent(Time);

/// <summary>With <c>--accept trusted</c>, a peer that is not trusted wrote; its messages are held until accepted.</summary>
public sealed record ContactRequestReceived(DateTimeOffset Time, PeerKey From, PeerId PeerId, string Name, string FirstText) : NodeEvent(Time);

/// <summary>A connection was refused after or during the handshake (blocked, wrong ID, bad version).</summary>
public sealed record PeerRefused(DateTimeOffset Time, string Remote, PeerId? PeerId, string Reason) : NodeEvent(Time)
{
    /// <summary>
    /// The peer closed the connection before its HELLO: no session came of it, but this node refused nothing (the peer
    /// may have blocked it). Shown as "Refused" it read as this node's own refusal.
    /// </summary>
    public bool ClosedByPeer { get; init; }
}

public sealed record ConnectionRequestReceived(DateTimeOffset Time, PeerKey From, string Name) : NodeEvent(Time);

public sealed record PeerAdded(DateTimeOffset Time, Peer Peer) : NodeEvent(Time);

public sealed record PeerUpdated(DateTimeOffset Time, Peer Peer) : NodeEvent(Time);

public sealed record PeerRemoved(DateTimeOffset Time, Peer Peer, PeerRemovalReason Reason) : NodeEvent(Time);

/// <summary>A send did not go. <paramref name="Queued"/>: the message is stored and tried again (an old peer that could not be
/// reached yet), so it is not lost and must not be sent again.</summary>
public sealed record SendFailed(DateTimeOffset Time, PeerKey To, string Reason, bool Queued = false) : NodeEvent(Time);

/// <summary>Bytes from the network that were refused; nothing else changed.</summary>
public sealed record InputRejected(DateTimeOffset Time, string Remote, string Reason) : NodeEvent(Time);

public sealed record NodeStopped(DateTimeOffset Time) : NodeEvent(Time);

/// <summary>
/// The node met a fault it cannot go on with (its database is damaged) and stops itself; <paramref name="Reason"/>
/// names the file and what to do. <see cref="NodeStopped"/> follows.
/// </summary>
public sealed record NodeFailed(DateTimeOffset Time, string Reason) : NodeEvent(Time);

/// <summary>A group was created, or its admin changed its membership (this node may have joined or been removed).</summary>
public sealed record GroupChanged(DateTimeOffset Time, Group Group) : NodeEvent(Time);

/// <summary>A message in a group; members show them ordered by (Lamport, author ID).</summary>
public sealed record GroupMessageReceived(
    DateTimeOffset Time, Guid GroupId, string GroupName, PeerKey From, PeerId Author, string Name, string Text,
    Guid MessageId, long Lamport) : NodeEvent(Time);

/// <summary>A peer offers a file; it waits for <see cref="ChatNode.AcceptTransferAsync"/> or <see cref="ChatNode.DeclineTransferAsync"/>.</summary>
public sealed record TransferOffered(DateTimeOffset Time, TransferInfo Transfer, PeerKey From) : NodeEvent(Time);

/// <summary>Data starts flowing, both sides: from byte 0, or from <paramref name="ResumeOffset"/> when a transfer resumes.</summary>
public sealed record TransferAccepted(DateTimeOffset Time, TransferInfo Transfer, long ResumeOffset) : NodeEvent(Time);

/// <summary>
/// Bytes verified so far (<see cref="TransferInfo.Bytes"/>), the recent rate and the time left (null while
/// unknown). Raised at most ten times a second per transfer, and once at the end.
/// </summary>
public sealed record TransferProgress(DateTimeOffset Time, TransferInfo Transfer, double BytesPerSecond, TimeSpan? Remaining) : NodeEvent(Time);

/// <summary>The connection dropped mid-transfer; it resumes from the last verified offset when the peer is back.</summary>
public sealed record TransferInterrupted(DateTimeOffset Time, TransferInfo Transfer, string Reason) : NodeEvent(Time);

/// <summary>The receiver's SHA-256 matched: incoming, the file is at <see cref="TransferInfo.Path"/>.</summary>
public sealed record TransferCompleted(DateTimeOffset Time, TransferInfo Transfer) : NodeEvent(Time);

/// <summary>A transfer was given up: hash mismatch (the partial file is deleted), a file error, or a peer that broke the rules.</summary>
public sealed record TransferFailed(DateTimeOffset Time, TransferInfo Transfer, string Reason) : NodeEvent(Time);

/// <summary>An offer was declined: by the user, or refused by the receiver (too large, not accepting files).</summary>
public sealed record TransferDeclined(DateTimeOffset Time, TransferInfo Transfer, string Reason) : NodeEvent(Time);

/// <summary>A transfer was cancelled, here (<paramref name="ByPeer"/> false) or by the other side.</summary>
public sealed record TransferCancelled(DateTimeOffset Time, TransferInfo Transfer, string Reason, bool ByPeer) : NodeEvent(Time);

/// <summary>
/// Events were published while the event queue was full (a subscriber held it up for long): <paramref name="Count"/>
/// of them were not delivered. Raised once there is room again.
/// </summary>
public sealed record EventsMissed(DateTimeOffset Time, long Count) : NodeEvent(Time);
