using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace CryptoSphere.Cli.Control;

/// <summary>The one-off command's side of the control socket.</summary>
internal static class ControlClient
{
    /// <summary>Added to a command's own wait: the node may need a moment before it starts waiting.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    // An answer is the command's output: a history or a transfer list, never near this.
    private const int AnswerBytes = 64 << 20;

    /// <summary>
    /// Hands the request to the node running on <paramref name="dataDirectory"/> and returns what it
    /// answered, or null when no node runs there (no socket, or a socket nobody listens on).
    /// </summary>
    /// <param name="started">
    /// Called when the running node says it has started the work (a <c>{"started":true}</c> line before its answer): not
    /// on connecting, as a request it refuses at once (an unknown peer, the own ID) was then preceded by "sends it; waiting".
    /// </param>
    public static async Task<CommandOutcome?> TryRunAsync(string dataDirectory, JsonObject request, TimeSpan answerWithin,
        CancellationToken token, Action? started = null)
    {
        var path = ControlSocket.PathIn(dataDirectory);
        if (!ControlSocket.Fits(path) || !File.Exists(path))
            return null;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(ControlSocket.EndPoint(path), token).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // Left behind by a node that was killed: nobody is there.
            return null;
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The node stops reading a request larger than it would ever take (ControlServer.MaxRequestBytes).
            return new CommandOutcome().Fail($"the node running on {dataDirectory} refused the request: it is larger than any message it can send", 2);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(answerWithin);
        string? line;
        var lines = new LineReader(stream);
        try
        {
            while ((line = await lines.ReadAsync(limit.Token).ConfigureAwait(false)) is not null
                   && JsonNode.Parse(line) is JsonObject { } notice && notice.ContainsKey(ControlServer.StartedKey))
                started?.Invoke();
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return new CommandOutcome().Fail($"the node running on {dataDirectory} did not answer within {answerWithin.TotalSeconds:0} s", 3);
        }
        catch (OperationCanceledException)
        {
            return new CommandOutcome().Fail($"stopped waiting; the node running on {dataDirectory} goes on with it (`cryptosphere transfers` shows it)", 3);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return new CommandOutcome().Fail($"the node running on {dataDirectory} closed the control connection: {e.Message}", 3);
        }
        catch (System.Text.Json.JsonException)
        {
            return new CommandOutcome().Fail($"the node running on {dataDirectory} gave no answer", 3);
        }
        if (line is null || JsonNode.Parse(line) is not JsonObject answer)
            return new CommandOutcome().Fail($"the node running on {dataDirectory} gave no answer", 3);
        return CommandOutcome.From((int?)answer["exit"] ?? 3, (string?)answer["out"] ?? "", (string?)answer["err"] ?? "");
    }

    /// <summary>
    /// Lines of the answer, keeping what one read brought past a newline: the "started" line and the answer can come
    /// in one read (a small file, accepted at once), and <see cref="ControlServer.ReadLineAsync"/> drops the rest.
    /// </summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[4096];
        private int _start;
        private int _end;

        public async Task<string?> ReadAsync(CancellationToken token)
        {
            using var line = new MemoryStream();
            while (line.Length <= AnswerBytes)
            {
                if (_start == _end)
                {
                    (_start, _end) = (0, await stream.ReadAsync(_buffer, token).ConfigureAwait(false));
                    if (_end == 0)
                        return null;
                }
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                line.Write(_buffer, _start, (newline < 0 ? _end : newline) - _start);
                _start = newline < 0 ? _end : newline + 1;
                if (newline >= 0)
                    return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
            }
            return null;
        }
    }
}
