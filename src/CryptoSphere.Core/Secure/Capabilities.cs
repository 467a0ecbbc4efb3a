namespace CryptoSphere.Core.Secure;

/// <summary>
/// Bits of the HELLO <c>capabilities</c> field. Version 1 nodes ignore bits they do not know, so a feature
/// is announced here rather than by a new protocol version; a peer without the bit is not sent that feature's frames.
/// </summary>
internal static class Capabilities
{
    /// <summary>Understands the FILE_* frames (0x20-0x27).</summary>
    public const uint FileTransfer = 1u << 0;

    /// <summary>
    /// Understands the mailbox frames (0x40-0x49): takes sealed envelopes for its contacts and can hold mail.
    /// Bit 2, leaving bit 1 to whichever other feature is merged first.
    /// </summary>
    public const uint Mailbox = 1u << 2;
}
