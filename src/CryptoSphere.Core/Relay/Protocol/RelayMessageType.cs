namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>The message type word of the relay header, numbered as Syncthing's Relay Protocol v1.</summary>
public enum RelayMessageType
{
    Ping = 0,
    Pong = 1,
    JoinRelayRequest = 2,
    JoinSessionRequest = 3,
    Response = 4,
    ConnectRequest = 5,
    SessionInvitation = 6,
    RelayFull = 7,
}
