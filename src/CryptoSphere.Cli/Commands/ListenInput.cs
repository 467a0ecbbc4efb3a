using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>listen --commands</c>: the node also reads commands from standard input, one per line, so a script can
/// drive a running node without starting a process per message. Two commands:
/// <c>send TARGET TEXT</c> (TARGET is HOST:PORT or a known peer ID or unique prefix; TEXT is the rest of the line) and
/// <c>group-send GROUP TEXT</c> (GROUP is a group's name without spaces, its ID or a unique ID prefix; every member
/// gets it, one <c>message_delivered</c> line per member that acknowledged it). A send is not awaited before the next line is read (at most <see cref="MaxInFlight"/> at once), so a script can
/// keep many messages in flight; its outcome is the node's own event line (a delivery acknowledgement), and a
/// command that fails prints a <c>command_failed</c> line naming the input line. End of input stops reading, not the node.
/// </summary>
internal static class ListenInput
{
    public const int MaxInFlight = 10_000;

    // As the node's own event lines: '+' in a time stays '+'.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task RunAsync(TextReader input, ChatNode node, TrustStore trust, bool asJson, Action<string> print, CancellationToken token) =>
        Task.Run(async () =>
        {
            using var slots = new SemaphoreSlim(MaxInFlight, MaxInFlight);
            var pending = new List<Task>();
            long lineNumber = 0;
            try
            {
                while (await input.ReadLineAsync(token).ConfigureAwait(false) is { } line)
                {
                    lineNumber++;
                    if (string.IsNullOrWhiteSpace(line))
                        continue;
                    var number = lineNumber;
                    var parts = line.Split(' ', 3);
                    if (parts.Length < 3 || parts[0] is not ("send" or "group-send") || parts[2].Length == 0)
                    {
                        print(Failure(number, "unknown command; expected: send TARGET TEXT, or group-send GROUP TEXT", asJson));
                        continue;
                    }
                    await slots.WaitAsync(token).ConfigureAwait(false);
                    var sending = parts[0] == "send" ? SendAsync(parts[1], parts[2], number) : GroupSendAsync(parts[1], parts[2], number);
                    pending.Add(sending.ContinueWith(_ => slots.Release(), TaskScheduler.Default));
                    if (pending.Count >= MaxInFlight)
                        pending.RemoveAll(t => t.IsCompleted);
                }
                await Task.WhenAll(pending).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }

            async Task SendAsync(string target, string text, long number)
            {
                try
                {
                    SendResult sent;
                    if (PeerKey.TryParse(target, out var address, out _))
                        sent = await node.SendAsync(address, text, token).ConfigureAwait(false);
                    else if (PeerIdResolver.TryResolve(target, trust, out var id, out var error))
                        sent = await node.SendAsync(id, text, token).ConfigureAwait(false);
                    else
                    {
                        print(Failure(number, $"'{target}' is neither HOST:PORT nor a known peer ID ({error})", asJson));
                        return;
                    }
                    if (!sent.Success)
                        print(Failure(number, sent.Error ?? "not sent", asJson));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                }
            }

            async Task GroupSendAsync(string wanted, string text, long number)
            {
                if (GroupResolver.Resolve(wanted, node.Store, out var error) is not { } group)
                {
                    print(Failure(number, error, asJson));
                    return;
                }
                var sent = await node.SendToGroupAsync(group.Id, text).ConfigureAwait(false);
                if (!sent.Success)
                    print(Failure(number, sent.Error ?? "not sent", asJson));
            }
        }, token);

    private static string Failure(long line, string error, bool asJson) =>
        asJson
            ? new JsonObject
            {
                ["type"] = "command_failed",
                ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                ["line"] = line,
                ["error"] = error,
            }.ToJsonString(JsonOptions)
            : $"Command on input line {line} failed: {Sanitize(error)}";

    // The error may quote what came from the network or the input; never send control characters to a terminal.
    private static string Sanitize(string text) => string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));
}
