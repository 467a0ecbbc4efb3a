using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The part of a sealed envelope anyone holding it can read: all a mailbox learns. <see cref="Size"/> is
/// the ciphertext length, which reveals the text length only to the nearest 256 bytes.
/// </summary>
public sealed record EnvelopeHeader(byte Version, PeerId Sender, PeerId Recipient, Guid EnvelopeId, DateTimeOffset CreatedAt, int Size);
