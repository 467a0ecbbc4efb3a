using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// The listener's shortcut (<see cref="LegacyEndpoint.TryHandleArrived"/>), called the way the accept loop calls it:
/// on a connection whose bytes are already there. A whole message is stored before it is shown and before the
/// connection may close; anything else is left unread for the ordinary path.
/// </summary>
public sealed class LegacyArrivedTests : IAsyncDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly EventBus _events = new(NullLogger.Instance, TimeProvider.System);
    private readonly Channel<NodeEvent> _seen = Channel.CreateUnbounded<NodeEvent>();
    private readonly ChatStore _store = ChatStore.OpenInMemory();
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public LegacyArrivedTests()
    {
        _events.Subscribers += e => _seen.Writer.TryWrite(e);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    private LegacyEndpoint Endpoint(Func<NodeOptions, NodeOptions>? configure = null)
    {
        var options = TestNodes.Options("bob");
        var runtime = new NodeRuntime(configure?.Invoke(options) ?? options, NodeIdentity.CreateEphemeral(), _store, NullLoggerFactory.Instance,
            TimeProvider.System, _events);
        return new LegacyEndpoint(runtime);
    }

    /// <summary>The accepted end of a connection whose client wrote <paramref name="text"/>, once those bytes have arrived.</summary>
    private (Socket Accepted, Socket Client) Arrived(byte[] bytes)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(_listener.LocalEndPoint!);
        client.Send(bytes);
        var accepted = _listener.Accept();
        Assert.True(accepted.Poll(Generous, SelectMode.SelectRead), "the bytes never arrived");
        return (accepted, client);
    }

    private static byte[] Chat(string text) => Encoding.UTF8.GetBytes($"<127.0.0.1:6000> @ <old>\n{text}\n<end>");

    private async Task<T> Next<T>() where T : NodeEvent
    {
        using var limit = new CancellationTokenSource(Generous);
        while (true)
        {
            if (await _seen.Reader.ReadAsync(limit.Token) is T match)
                return match;
        }
    }

    [Fact]
    public async Task A_whole_message_is_read_at_once_stored_before_done_and_then_shown()
    {
        var endpoint = Endpoint();
        var (accepted, client) = Arrived(Chat("already here"));
        using var _ = client;
        using var __ = accepted;
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var handled = endpoint.TryHandleArrived(accepted, (IPEndPoint)accepted.RemoteEndPoint!,
            () => done.TrySetResult(_store.History(null, 10).Count(m => m.Text == "already here")));

        Assert.True(handled);
        Assert.Equal(1, await done.Task.WaitAsync(Generous));
        var shown = await Next<MessageReceived>();
        Assert.Equal(("already here", "old", "127.0.0.1:6000"), (shown.Text, shown.Name, shown.From.ToString()));
        Assert.Equal(0, accepted.Available);
    }

    [Theory]
    [InlineData("<127.0.0.1:6000> @ <old>\nstill arriving")] // no end marker yet
    [InlineData("<127.0.0.1:6000> DISCONNECT")] // ends at the close, not at a marker
    [InlineData("\u0016\u0003\u0001 a TLS record\n<end>")] // not legacy at all
    public void Anything_but_a_whole_legacy_message_is_left_unread_for_the_ordinary_path(string text)
    {
        var endpoint = Endpoint();
        var bytes = Encoding.UTF8.GetBytes(text);
        var (accepted, client) = Arrived(bytes);
        using var _ = client;
        using var __ = accepted;
        var doneCalls = 0;

        var handled = endpoint.TryHandleArrived(accepted, (IPEndPoint)accepted.RemoteEndPoint!, () => doneCalls++);

        Assert.False(handled);
        Assert.Equal(0, doneCalls);
        Assert.Equal(bytes.Length, accepted.Available);
        Assert.Empty(_store.History(null, 10));
    }

    [Fact]
    public async Task A_denied_address_is_refused_unread_and_nothing_is_stored()
    {
        var endpoint = Endpoint(o => o with { LegacyDeny = [IPAddress.Loopback] });
        var bytes = Chat("let me in");
        var (accepted, client) = Arrived(bytes);
        using var _ = client;
        using var __ = accepted;
        var doneCalls = 0;

        var handled = endpoint.TryHandleArrived(accepted, (IPEndPoint)accepted.RemoteEndPoint!, () => doneCalls++);

        Assert.True(handled);
        Assert.Equal(1, doneCalls);
        Assert.Contains("deny list", (await Next<InputRejected>()).Reason);
        Assert.Equal(bytes.Length, accepted.Available);
        Assert.Empty(_store.History(null, 10));
    }

    [Fact]
    public async Task A_whole_but_malformed_message_is_refused_as_the_ordinary_path_refuses_it()
    {
        var endpoint = Endpoint();
        var (accepted, client) = Arrived(Encoding.UTF8.GetBytes("<no team here>\nhello\n<end>"));
        using var _ = client;
        using var __ = accepted;
        var doneCalls = 0;

        var handled = endpoint.TryHandleArrived(accepted, (IPEndPoint)accepted.RemoteEndPoint!, () => doneCalls++);

        Assert.True(handled);
        Assert.Equal(1, doneCalls);
        Assert.Equal("malformed header (expected '<ip:port> @ <team>')", (await Next<InputRejected>()).Reason);
        Assert.Empty(_store.History(null, 10));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _events.DisposeAsync();
        _store.Dispose();
    }
}
