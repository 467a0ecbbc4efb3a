using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using CryptoSphere.Core.Node;

namespace CryptoSphere.Bench;

/// <summary>
/// A real <see cref="ChatNode"/> on 127.0.0.1, port 0, with counters fed by its events.
/// Bench senders write header port <c>HeaderPortBase + sender</c> and the text <c>"{seq}"</c>,
/// so every MessageReceived event can be attributed and checked (count and sum of sequence numbers).
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    public const int HeaderPortBase = 20_001;
    public const string Team = "bench";

    private readonly ChatNode _node;
    private readonly long[] _received;
    private readonly long[] _seqSum;
    private long _total;
    private long _inWindow;
    private long _foreign;
    private long _lastReceivedTimestamp;

    private BenchNode(ChatNode node, int senders)
    {
        _node = node;
        _received = new long[senders];
        _seqSum = new long[senders];
        node.EventRaised += OnEvent;
    }

    public static async Task<BenchNode> StartAsync(int senders, TimeSpan? readTimeout = null)
    {
        var options = new NodeOptions
        {
            Name = "bench-node",
            Port = 0,
            Bind = IPAddress.Loopback,
            AdvertiseIp = "127.0.0.1",
            InactivityTimeout = TimeSpan.FromHours(24),
        };
        if (readTimeout is { } timeout)
            options = options with { ReadTimeout = timeout };
        var node = new ChatNode(options);
        var bench = new BenchNode(node, senders);
        await node.StartAsync().ConfigureAwait(false);
        return bench;
    }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, _node.Port);

    public int Port => _node.Port;

    /// <summary>Called on the node's connection thread for every bench message: sender, sequence number, Stopwatch timestamp.</summary>
    public Action<int, int, long>? MessageObserver { get; set; }

    public ConcurrentQueue<InputRejected> Rejections { get; } = new();

    public long TotalReceived => Interlocked.Read(ref _total);

    /// <summary>Stopwatch timestamp that ends the measuring window; messages accepted until then count in <see cref="InWindow"/>.</summary>
    public long WindowEnd { get; set; } = long.MaxValue;

    public long InWindow => Interlocked.Read(ref _inWindow);

    /// <summary>MessageReceived events that no bench sender can have sent (wrong host, port or text).</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    public long ReceivedBy(int sender) => Interlocked.Read(ref _received[sender]);

    public long SeqSumOf(int sender) => Interlocked.Read(ref _seqSum[sender]);

    /// <summary>Stopwatch timestamp of the latest MessageReceived event; 0 before the first.</summary>
    public long LastReceivedTimestamp => Interlocked.Read(ref _lastReceivedTimestamp);

    public int PeerCount => _node.Peers.Count;

    public static byte[] Encode(int sender, int seq) =>
        Core.Legacy.LegacyCodec.EncodeChat("127.0.0.1", HeaderPortBase + sender, Team, seq.ToString(CultureInfo.InvariantCulture));

    private void OnEvent(NodeEvent e)
    {
        switch (e)
        {
            case MessageReceived m:
                var now = Stopwatch.GetTimestamp();
                var sender = m.From.Port - HeaderPortBase;
                if (m.From.Host != "127.0.0.1" || (uint)sender >= (uint)_received.Length || m.Name != Team
                    || !int.TryParse(m.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    Interlocked.Increment(ref _foreign);
                    return;
                }
                // The observer runs first: once the counters show the message, what it recorded is visible too.
                MessageObserver?.Invoke(sender, seq, now);
                Interlocked.Increment(ref _received[sender]);
                Interlocked.Add(ref _seqSum[sender], seq);
                if (now <= WindowEnd)
                    Interlocked.Increment(ref _inWindow);
                RaiseToMax(ref _lastReceivedTimestamp, now);
                Interlocked.Increment(ref _total);
                break;
            case InputRejected r:
                Rejections.Enqueue(r);
                break;
        }
    }

    private static void RaiseToMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }

    /// <summary>Waits until <paramref name="expected"/> messages (plus rejections) arrived, or the timeout.</summary>
    public bool WaitForTotal(long expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (TotalReceived + Foreign + Rejections.Count < expected)
        {
            if (Stopwatch.GetTimestamp() > deadline)
                return false;
            Thread.Sleep(5);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _node.EventRaised -= OnEvent;
        await _node.DisposeAsync().ConfigureAwait(false);
    }
}
