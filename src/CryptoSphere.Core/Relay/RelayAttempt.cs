namespace CryptoSphere.Core.Relay;

/// <summary>Reaching a peer through relays: the session, or (when null) why there is none, as the sender is told.</summary>
public sealed record RelayAttempt(RelaySession? Session, string Failure);
