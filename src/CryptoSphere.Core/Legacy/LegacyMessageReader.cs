using System.Buffers;

namespace CryptoSphere.Core.Legacy;

/// <summary>Why reading one legacy connection stopped without a complete message.</summary>
internal enum LegacyReadError { None, TooLarge, TimedOut }

internal readonly record struct LegacyReadResult(byte[] Data, LegacyReadError Error);

/// <summary>
/// Reads one legacy message from a connection: until the sender closes or the bytes end with
/// <c>&lt;end&gt;</c>, never past <c>maxBytes</c>, and never longer than the read timeout per read.
/// </summary>
internal static class LegacyMessageReader
{
    // The marker ends a line of its own: "<end>" inside the text ("wrap it in <end> tags") is not the end.
    internal static readonly byte[] EndMarker = "\n<end>"u8.ToArray();

    public static async Task<LegacyReadResult> ReadAsync(
        Stream stream, int maxBytes, TimeSpan readTimeout, CancellationToken cancellationToken, TimeSpan? deadline = null)
    {
        // A sender that trickles a byte now and then must still finish within the deadline.
        var outer = cancellationToken;
        using var whole = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline is { } limit)
            whole.CancelAfter(limit);
        cancellationToken = whole.Token;
        // long arithmetic: maxBytes may be int.MaxValue.
        var cap = (int)Math.Min((long)maxBytes + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(cap, 4096));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                    buffer = Grow(buffer, (int)Math.Min((long)buffer.Length * 2, cap));

                int read;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(readTimeout);
                    try
                    {
                        read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!outer.IsCancellationRequested)
                    {
                        return new LegacyReadResult(buffer.AsSpan(0, length).ToArray(), LegacyReadError.TimedOut);
                    }
                }

                if (read == 0)
                    break;
                length += read;
                if (length > maxBytes)
                    return new LegacyReadResult([], LegacyReadError.TooLarge);
                if (buffer.AsSpan(0, length).EndsWith(EndMarker))
                    break;
            }
            return new LegacyReadResult(buffer.AsSpan(0, length).ToArray(), LegacyReadError.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int size)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        buffer.CopyTo(bigger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
