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
    /// <param name="connected">Called once a running node has taken the request (before its answer).</param>
    public static async Task<CommandOutcome?> TryRunAsync(string dataDirectory, JsonObject request, TimeSpan answerWithin,
        CancellationToken token, Action? connected = null)
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
        connected?.Invoke();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(answerWithin);
        string? line;
        try
        {
            line = await ControlServer.ReadLineAsync(stream, AnswerBytes, limit.Token).ConfigureAwait(false);
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
        if (line is null || JsonNode.Parse(line) is not JsonObject answer)
            return new CommandOutcome().Fail($"the node running on {dataDirectory} gave no answer", 3);
        return CommandOutcome.From((int?)answer["exit"] ?? 3, (string?)answer["out"] ?? "", (string?)answer["err"] ?? "");
    }
}
