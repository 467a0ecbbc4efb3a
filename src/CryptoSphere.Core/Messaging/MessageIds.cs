using System.Security.Cryptography;

namespace CryptoSphere.Core.Messaging;

/// <summary>
/// Message IDs: UUIDv7 (RFC 9562), laid out as <see cref="Guid.CreateVersion7(DateTimeOffset)"/> lays them out, with their
/// 74 random bits from the process's cryptographic generator (<see cref="RandomNumberGenerator"/>, OpenSSL's).
/// </summary>
/// <remarks>
/// Why not <c>Guid.CreateVersion7</c>: it takes the random bits from <c>Guid.NewGuid</c>, which in the native build
/// reads <c>/dev/urandom</c>, a system call for every message sent and every legacy message received (strace of a
/// sender in bursts: a 16-byte read per message). OpenSSL checks its process ID on every call (a getpid system call),
/// so the generator's output is taken a kilobyte at a time, per thread. The bits stay unpredictable: a receiver
/// refuses a second author under an ID it already holds, so a peer that could guess another's next IDs could use them
/// first and block that author's messages.
/// </remarks>
internal static class MessageIds
{
    private const int RandomBytes = 10;
    private const int PoolBytes = 1000; // a hundred IDs

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_used;

    /// <summary>An ID stamped with the real time now, as <see cref="Guid.CreateVersion7()"/> stamps it.</summary>
    public static Guid NewV7() => NewV7(DateTimeOffset.UtcNow);

    public static Guid NewV7(DateTimeOffset at)
    {
        var pool = t_pool ??= new byte[PoolBytes];
        if (t_used == 0 || t_used + RandomBytes > PoolBytes)
        {
            RandomNumberGenerator.Fill(pool);
            t_used = 0;
        }
        var random = pool.AsSpan(t_used, RandomBytes);
        t_used += RandomBytes;
        var milliseconds = at.ToUnixTimeMilliseconds();
        return new Guid(
            (int)(milliseconds >> 16),
            (short)milliseconds,
            (short)(0x7000 | ((random[0] << 8 | random[1]) & 0x0FFF)), // version 7
            (byte)(0x80 | (random[2] & 0x3F)), // variant 10xx
            random[3], random[4], random[5], random[6], random[7], random[8], random[9]);
    }
}
