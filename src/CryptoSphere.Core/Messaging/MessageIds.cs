using System.Security.Cryptography;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// Message IDs: UUIDv7 (RFC 9562), laid out as <see cref="Guid.CreateVersion7(DateTimeOffset)"/> lays them out, with their
/// 74 random bits from the process's cryptographic generator (OpenSSL's, in user space). <c>Guid.CreateVersion7</c>
/// takes them from <c>Guid.NewGuid</c>, which in the native build reads <c>/dev/urandom</c>: a system call for every
/// message sent, and for every legacy message received (strace of a sender in bursts: one 16-byte read per message).
/// </summary>
internal static class MessageIds
{
    /// <summary>An ID stamped with the real time now, as <see cref="Guid.CreateVersion7()"/> stamps it.</summary>
    public static Guid NewV7() => NewV7(DateTimeOffset.UtcNow);

    public static Guid NewV7(DateTimeOffset at)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        var milliseconds = at.ToUnixTimeMilliseconds();
        return new Guid(
            (int)(milliseconds >> 16),
            (short)milliseconds,
            (short)(0x7000 | ((random[0] << 8 | random[1]) & 0x0FFF)), // version 7
            (byte)(0x80 | (random[2] & 0x3F)), // variant 10xx
            random[3], random[4], random[5], random[6], random[7], random[8], random[9]);
    }
}
