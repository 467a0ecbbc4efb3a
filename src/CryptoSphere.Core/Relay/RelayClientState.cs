namespace CryptoSphere.Core.Relay;

public enum RelayClientState { Stopped, Connecting, Joined, WaitingToRetry }
