using System.Net;
using System.Net.Security;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Relay.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// Keeps the node joined to one relay (protocol mode) so peers can reach it there: answers the relay's pings,
/// pings it in turn, rejoins with backoff after any loss, and raises <see cref="Invited"/> for each session
/// invitation. Whether to take an invitation is the owner's decision (<see cref="AcceptAsync"/>).
/// </summary>
public sealed class RelayClient : IAsyncDisposable
{
    private readonly NodeIdentity _identity;
    private readonly RelayClientOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly RelayBackoff _backoff;
    private Task? _loop;
    private IPAddress _relayAddress = IPAddress.Loopback;
    private TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RelayClient(RelayUrl relay, NodeIdentity identity, RelayClientOptions? options = null, ILogger? logger = null)
    {
        Relay = relay;
        _identity = identity;
        _options = options ?? new RelayClientOptions();
        _log = logger ?? NullLogger.Instance;
        _backoff = new RelayBackoff(_options.MinBackoff, _options.MaxBackoff);
    }

    public RelayUrl Relay { get; }

    public RelayClientState State { get; private set; } = RelayClientState.Stopped;

    /// <summary>How many times the client has joined (rejoins after a relay restart count too).</summary>
    public int JoinCount { get; private set; }

    /// <summary>Pings from the relay answered since start: the keepalive at work.</summary>
    public int PingsAnswered { get; private set; }

    /// <summary>Why the last attempt or connection failed; null while joined.</summary>
    public string? LastError { get; private set; }

    /// <summary>Raised on the client's loop; handlers must not block (hand the invitation to a task).</summary>
    public event Action<SessionInvitation>? Invited;

    /// <summary>Raised with true on each join and false on each loss.</summary>
    public event Action<bool>? JoinedChanged;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Completes when the client is joined (now or next time it joins).</summary>
    public Task WaitJoinedAsync(CancellationToken cancellationToken = default) =>
        _joined.Task.WaitAsync(cancellationToken);

    /// <summary>Joins the session an invitation offers; the caller then runs the secure handshake over it.</summary>
    public Task<RelaySession> AcceptAsync(SessionInvitation invitation, CancellationToken cancellationToken) =>
        RelaySessionJoiner.JoinAsync(invitation, Relay, _relayAddress, _options.Timeout, cancellationToken);

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            State = RelayClientState.Connecting;
            var wasJoined = false;
            try
            {
                var (tls, address) = await RelayTls.ConnectAsync(Relay, _identity, _options.Timeout, stop).ConfigureAwait(false);
                await using (tls.ConfigureAwait(false))
                {
                    _relayAddress = address;
                    await JoinAsync(tls, stop).ConfigureAwait(false);
                    wasJoined = true;
                    OnJoined();
                    await ServeAsync(tls, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LastError = e.Message;
                if (wasJoined)
                {
                    // A connection that had worked starts the backoff afresh: the relay probably just restarted.
                    _backoff.Reset();
                    OnLost();
                }
                var delay = _backoff.Next();
                State = RelayClientState.WaitingToRetry;
                RelayLog.Unavailable(_log, Relay, e.Message, delay);
                try
                {
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        if (State == RelayClientState.Joined)
            OnLost();
        State = RelayClientState.Stopped;
    }

    private async Task JoinAsync(SslStream tls, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            await RelayMessageCodec.WriteAsync(tls, new JoinRelayRequest(Relay.Token), deadline.Token).ConfigureAwait(false);
            switch (await RelayMessageCodec.ReadAsync(tls, deadline.Token).ConfigureAwait(false))
            {
                case RelayResponse { IsSuccess: true }:
                    return;
                case RelayResponse refused:
                    throw new RelayRefusedException(refused.Code, refused.Message);
                case RelayFull:
                    throw new RelayRefusedException(-1, "relay full");
                case var other:
                    throw new RelayProtocolException($"expected a response to the join, got {other.Type}");
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the relay did not answer the join within {_options.Timeout.TotalSeconds:0.#} s");
        }
    }

    private async Task ServeAsync(SslStream tls, CancellationToken stop)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // Writes come from the reader (pongs) and the pinger: one at a time on an SslStream.
        var writeLock = new SemaphoreSlim(1, 1);
        var pinger = PingAsync(tls, writeLock, connection.Token);
        try
        {
            while (true)
            {
                RelayMessage message;
                using (var silence = CancellationTokenSource.CreateLinkedTokenSource(connection.Token))
                {
                    silence.CancelAfter(_options.SilenceTimeout);
                    try
                    {
                        message = await RelayMessageCodec.ReadAsync(tls, silence.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        throw new TimeoutException($"nothing heard from the relay for {_options.SilenceTimeout.TotalSeconds:0} s");
                    }
                }
                switch (message)
                {
                    case Ping:
                        RelayLog.Pinged(_log, Relay);
                        await WriteAsync(tls, writeLock, new Pong(), connection.Token).ConfigureAwait(false);
                        PingsAnswered++;
                        break;
                    case Pong:
                        break;
                    case SessionInvitation invitation:
                        RelayLog.Invited(_log, Relay, invitation.FromDevice?.ToString() ?? "<invalid>");
                        Invited?.Invoke(invitation);
                        break;
                    case RelayFull:
                        throw new RelayRefusedException(-1, "relay full");
                    default:
                        throw new RelayProtocolException($"unexpected {message.Type} from the relay");
                }
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            try
            {
                await pinger.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The pinger ends with the connection; its error, if any, is the reader's too.
            }
        }
    }

    private async Task PingAsync(SslStream tls, SemaphoreSlim writeLock, CancellationToken token)
    {
        while (true)
        {
            await Task.Delay(_options.PingInterval, token).ConfigureAwait(false);
            await WriteAsync(tls, writeLock, new Ping(), token).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(SslStream tls, SemaphoreSlim writeLock, RelayMessage message, CancellationToken token)
    {
        await writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await RelayMessageCodec.WriteAsync(tls, message, token).ConfigureAwait(false);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private void OnJoined()
    {
        _backoff.Reset();
        LastError = null;
        State = RelayClientState.Joined;
        JoinCount++;
        RelayLog.Joined(_log, Relay);
        _joined.TrySetResult();
        JoinedChanged?.Invoke(true);
    }

    private void OnLost()
    {
        _joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RelayLog.Left(_log, Relay);
        JoinedChanged?.Invoke(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
