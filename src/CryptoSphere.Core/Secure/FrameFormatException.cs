namespace CryptoSphere.Core.Secure;

/// <summary>A frame that breaks the protocol; it closes that connection only.</summary>
internal sealed class FrameFormatException(string message) : Exception(message);
