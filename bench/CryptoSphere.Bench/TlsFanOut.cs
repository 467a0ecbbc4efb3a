using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Bench;

/// <summary>
/// The reference for fan-out: one TLS 1.3 connection (the nodes' own handshake) to each of N echo servers, opened
/// beforehand as a node's sessions are; a round writes one 100-byte record to each and waits for all N echoes, each
/// echo standing for a member's acknowledgement. No storage, no framing beyond TLS: the least a fan-out can cost.
/// </summary>
internal sealed class TlsFanOut : IDisposable
{
    private const int MessageBytes = 100;

    private readonly List<(TcpClient Client, SslStream Stream)> _connections;
    private readonly NodeIdentity _identity;
    private readonly byte[] _message = new byte[MessageBytes];

    private TlsFanOut(List<(TcpClient, SslStream)> connections, NodeIdentity identity)
    {
        _connections = connections;
        _identity = identity;
    }

    public static async Task<TlsFanOut> ConnectAsync(IReadOnlyList<int> ports)
    {
        var identity = NodeIdentity.CreateEphemeral();
        var connections = new List<(TcpClient, SslStream)>();
        try
        {
            foreach (var port in ports)
            {
                var client = new TcpClient { NoDelay = true };
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    var (stream, _) = await TlsHandshake.ConnectAsync(client.GetStream(), identity, null, TimeSpan.FromSeconds(60), default);
                    connections.Add((client, stream));
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            foreach (var (client, stream) in connections)
            {
                stream.Dispose();
                client.Dispose();
            }
            identity.Dispose();
            throw;
        }
        return new TlsFanOut(connections, identity);
    }

    /// <summary>Milliseconds from the first write to the last echo read, and how many echoes did not come within <paramref name="limit"/>.</summary>
    public (double Ms, long Missing) Round(TimeSpan limit) => RoundAsync(limit).GetAwaiter().GetResult();

    private async Task<(double Ms, long Missing)> RoundAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        // The reads wait first, as a node's read loops do, so no echo waits for its reader.
        var reads = _connections.Select(c => ReadEchoAsync(c.Stream, timeout.Token)).ToArray();
        var start = Stopwatch.GetTimestamp();
        foreach (var (_, stream) in _connections)
            await stream.WriteAsync(_message, timeout.Token);
        var echoed = await Task.WhenAll(reads);
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var missing = echoed.Count(ok => !ok);
        return (missing == 0 ? ms : double.NaN, missing);
    }

    private static async Task<bool> ReadEchoAsync(SslStream stream, CancellationToken token)
    {
        var buffer = new byte[MessageBytes];
        try
        {
            await stream.ReadExactlyAsync(buffer, token);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var (client, stream) in _connections)
        {
            stream.Dispose();
            client.Dispose();
        }
        _identity.Dispose();
    }
}
