using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Control;

/// <summary>
/// Lets one-off commands (send, group send, trust, transfers accept, …) hand their work to the node
/// that already runs on the same data directory, so they report what really happened instead of
/// racing the node with a second identity on the wire. One JSON request line in, one JSON answer line out;
/// send-file's answer is preceded by a <c>{"started":true}</c> line once its offer is out.
/// </summary>
internal sealed partial class ControlServer : IAsyncDisposable
{
    // A request carries a message as JSON text, which may take up to six bytes per byte of it (\u00XX). Sized from the
    // node's own frame limit, so that a message too long for a frame reaches the node and is refused as too long; with a
    // fixed 1 MiB a message near the limit cut the connection, and the command said "Broken pipe" (found from outside).
    // Only the owner can open the socket.
    private readonly int _maxRequestBytes;

    private readonly Socket _listener;
    private readonly string _path;
    private readonly ControlHandlers _handlers;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    private ControlServer(Socket listener, string path, ControlHandlers handlers, ILogger log, int maxFrameBytes)
    {
        _maxRequestBytes = MaxRequestBytes(maxFrameBytes);
        _listener = listener;
        _path = path;
        _handlers = handlers;
        _log = log;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>
    /// Starts serving, or returns null (and says why in the log) when the socket cannot be made: one-off
    /// commands then work on the data directory themselves, as they do when no node runs.
    /// The caller holds the data-directory lock, so a socket file left by a killed node is ours to replace.
    /// </summary>
    public static ControlServer? TryStart(ChatNode node, TrustStore trust, string dataDirectory, ILoggerFactory logs)
    {
        var log = logs.CreateLogger<ControlServer>();
        var path = ControlSocket.PathIn(dataDirectory);
        // Made under another name and renamed once it is the owner's only: bind() creates the file with the process's
        // umask, and a command (or a test) could find it there before the mode is set. The bound socket is the file's
        // inode, so it keeps listening under the new name.
        var making = path + "~";
        if (!ControlSocket.Fits(making))
        {
            LogPathTooLong(log, path);
            return null;
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            File.Delete(making);
            listener.Bind(ControlSocket.EndPoint(making));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(making, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
            File.Move(making, path, overwrite: true);
            return new ControlServer(listener, path, new ControlHandlers(node, trust), log, node.Options.MaxFrameBytes);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            LogCannotServe(log, path, e.Message);
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        CommandOutcome outcome;
        try
        {
            var line = await ReadLineAsync(stream, _maxRequestBytes, _stop.Token).ConfigureAwait(false);
            outcome = line is null || JsonNode.Parse(line) is not JsonObject request
                ? new CommandOutcome().Fail("the running node got an unreadable request", 2)
                : await _handlers.HandleAsync(request, () => WriteAsync(stream, new JsonObject { [StartedKey] = true }), _stop.Token)
                    .ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = new CommandOutcome().Fail("the running node is stopping", 3);
        }
        catch (System.Text.Json.JsonException)
        {
            outcome = new CommandOutcome().Fail("the running node got an unreadable request", 2);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return;
        }
        await WriteAsync(stream, new JsonObject { ["exit"] = outcome.Exit, ["out"] = outcome.Out, ["err"] = outcome.Err }).ConfigureAwait(false);
    }

    /// <summary>The key of the line a handler writes once its work has started, before its answer (see <see cref="ControlClient"/>).</summary>
    internal const string StartedKey = "started";

    private static async Task WriteAsync(NetworkStream stream, JsonObject line)
    {
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The command gave up waiting; the node has done the work all the same.
        }
    }

    /// <summary>The largest request a node with frames of <paramref name="maxFrameBytes"/> reads: any message it could send, escaped.</summary>
    internal static int MaxRequestBytes(int maxFrameBytes) => (int)Math.Min(int.MaxValue / 2, 6L * maxFrameBytes + (64 << 10));

    /// <summary>One line of at most <paramref name="maxBytes"/> bytes; null at the end of the stream or past that size.</summary>
    internal static async Task<string?> ReadLineAsync(Stream stream, int maxBytes, CancellationToken token)
    {
        var buffer = new MemoryStream();
        var one = new byte[4096];
        while (buffer.Length <= maxBytes)
        {
            var read = await stream.ReadAsync(one, token).ConfigureAwait(false);
            if (read == 0)
                return null;
            var newline = Array.IndexOf(one, (byte)'\n', 0, read);
            buffer.Write(one, 0, newline < 0 ? read : newline);
            if (newline >= 0)
                return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // A stale socket file is harmless: clients treat a refused connection as "no node".
        }
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning,
        Message = "Control socket path {Path} is too long for a Unix socket; one-off commands will not reach this node")]
    private static partial void LogPathTooLong(ILogger logger, string path);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning,
        Message = "Cannot serve one-off commands on {Path}: {Reason}")]
    private static partial void LogCannotServe(ILogger logger, string path, string reason);
}
