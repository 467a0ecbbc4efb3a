namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// A sealed envelope, receipt or key record that is malformed, forged, tampered with or not for us.
/// Whoever catches it drops that one item: nothing of it is shown or stored.
/// </summary>
internal sealed class EnvelopeException(string message) : Exception(message);
