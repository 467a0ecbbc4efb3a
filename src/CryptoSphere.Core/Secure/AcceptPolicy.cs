namespace CryptoSphere.Core.Secure;

/// <summary>Who may deliver messages: anyone not blocked, or only trusted IDs (others become contact requests).</summary>
public enum AcceptPolicy { Open, Trusted }
