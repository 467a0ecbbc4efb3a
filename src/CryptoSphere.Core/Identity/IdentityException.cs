namespace CryptoSphere.Core.Identity;

/// <summary>The identity file exists but cannot be used; it is never replaced silently.</summary>
public sealed class IdentityException(string message, Exception? inner = null) : Exception(message, inner);
