namespace CryptoSphere.Core.Storage;

/// <summary>Where a stored message stands. Values are stored in the database: never renumber.</summary>
public enum MessageState
{
    /// <summary>Waiting in the outbox for its peer.</summary>
    Queued = 0,

    /// <summary>Written to the peer; secure messages still wait for its acknowledgement.</summary>
    Sent = 1,

    /// <summary>The peer acknowledged it.</summary>
    Delivered = 2,

    /// <summary>Given up on (retries or age exhausted, or refused); the user was told.</summary>
    Failed = 3,

    /// <summary>A message this node received.</summary>
    Received = 4,

    /// <summary>
    /// Received from a peer that is not trusted while the node accepts trusted peers only: a contact request,
    /// kept on disk until the user trusts the peer (then <see cref="Received"/>) or rejects it (then deleted).
    /// </summary>
    Held = 5,
}
