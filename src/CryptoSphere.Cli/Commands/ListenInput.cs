using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>listen --commands</c>: the node also reads commands from standard input, one per line, so a script can
/// drive a running node without starting a process per message. Two commands:
/// <c>send TARGET TEXT</c> (TARGET is HOST:PORT or a known peer ID or unique prefix; TEXT is the rest of the line) and
/// <c>group-send GROUP TEXT</c> (GROUP is a group's name without spaces, its ID or a unique ID prefix; every member
/// gets it, one <c>message_delivered</c> line per member that acknowledged it). A send is not awaited before the next line is read (at most <see cref="MaxInFlight"/> at once), so a script can
/// keep many messages in flight; its outcome is the node's own event line (a delivery acknowledgement), a
/// <c>command_accepted</c> line (input line and message ID) for a secure send out and awaiting its acknowledgement, a
/// <c>command_sent</c> line for a message written to an old peer (which cannot acknowledge), a <c>command_queued</c> line
/// for one kept for a peer that is away (delivered later: not to be sent again), and a <c>command_failed</c> line for a
/// command that failed, each naming the input line. End of input stops reading, not the node.
/// </summary>
internal static class ListenInput
{
    public const int MaxInFlight = 10_000;

    // As the node's own event lines: '+' in a time stays '+'.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task RunAsync(TextReader input, ChatNode node, TrustStore trust, bool asJson, Action<string> print, CancellationToken token) =>
        Task.Run(async () =>
        {
            // A count of sends in progress, not a list of their tasks: a list kept every finished send (its result, its
            // delivery task) alive until the next clean-up, tens of thousands of objects the collector copied from
            // generation to generation during a burst.
            using var slots = new SemaphoreSlim(MaxInFlight, MaxInFlight);
            long lineNumber = 0;
            var lines = new CommandLines(input);
            // A script's burst names one target line after line: one string for it, parsed once.
            string? lastTarget = null;
            PeerKey? lastAddress = null;
            try
            {
                while (await lines.MoveNextAsync(token).ConfigureAwait(false))
                {
                    lineNumber++;
                    var number = lineNumber;
                    Verb verb;
                    string target, text;
                    PeerKey? address;
                    {
                        var line = lines.Current;
                        if (line.IsWhiteSpace())
                            continue;
                        if (!TryParse(line, out verb, out var targetSpan, out var textSpan))
                        {
                            print(Failure(number, Unparsed(line), asJson));
                            continue;
                        }
                        // The rule every sending command keeps: a blank message is refused, not delivered as blanks.
                        if (MessageInput.IsEmpty(textSpan))
                        {
                            print(Failure(number, MessageInput.EmptyError, asJson));
                            continue;
                        }
                        if (lastTarget is null || !targetSpan.SequenceEqual(lastTarget))
                        {
                            lastTarget = targetSpan.ToString();
                            lastAddress = PeerKey.TryParse(lastTarget, out var parsed, out _) ? parsed : null;
                        }
                        (target, address, text) = (lastTarget, lastAddress, textSpan.ToString());
                    }
                    await slots.WaitAsync(token).ConfigureAwait(false);
                    // Each send gives its slot back itself: a wrapper task per send was one more object per message.
                    _ = verb == Verb.Send ? SendAsync(target, address, text, number) : GroupSendAsync(target, text, number);
                }
                // Every slot back: every send has finished.
                for (var i = 0; i < MaxInFlight; i++)
                    await slots.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }

            async Task SendAsync(string target, PeerKey? address, string text, long number)
            {
                try
                {
                    Core.Identity.PeerId id = default;
                    if (address is null && !PeerIdResolver.TryResolve(target, trust, out id, out var error))
                    {
                        print(Failure(number, SendAction.Self(node, target) ?? PeerIdResolver.NotATarget(target, error), asJson));
                        return;
                    }
                    if ((SendAction.Self(node, address, address is null ? id : null)
                         ?? (address is { } typed ? PeerIdResolver.MadeUpRelayAddress(typed, trust) : null)) is { } self)
                    {
                        print(Failure(number, self, asJson));
                        return;
                    }
                    var sent = address is { } to
                        ? await node.SendAsync(to, text, token).ConfigureAwait(false)
                        : await node.SendAsync(id, text, token).ConfigureAwait(false);
                    // Queued is not failed: the node delivers it later, so a script must not send it again. A legacy send
                    // gets no acknowledgement event, so its line says it went.
                    if (sent.State == MessageState.Queued)
                        print(Outcome(number, "command_queued", sent, asJson));
                    else if (!sent.Success)
                        print(Failure(number, sent.Error ?? "not sent", asJson));
                    else if (sent.Delivered is null)
                        print(Outcome(number, "command_sent", sent, asJson));
                    else
                        // Sent and awaiting its acknowledgement: the node's message_delivered line carries the message ID but
                        // not the input line, so a script sending several lines to one peer could not tell which were
                        // delivered (found from outside). This line ties the two; it may come after the delivery line.
                        print(Outcome(number, "command_accepted", sent, asJson));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                }
                finally
                {
                    slots.Release();
                }
            }

            async Task GroupSendAsync(string wanted, string text, long number)
            {
                try
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
                finally
                {
                    slots.Release();
                }
            }
        }, token);

    private enum Verb { Send, GroupSend }

    // Why a line did not parse: "send" alone is a known command missing its arguments, not an unknown one.
    private static string Unparsed(ReadOnlySpan<char> line)
    {
        var word = line.Trim();
        if (word.IndexOfAny(' ', '\t') is var end and >= 0)
            word = word[..end];
        return word.SequenceEqual("send") ? "send needs a target and a text; expected: send TARGET TEXT"
            : word.SequenceEqual("group-send") ? "group-send needs a group and a text; expected: group-send GROUP TEXT"
            : "unknown command; expected: send TARGET TEXT, or group-send GROUP TEXT";
    }

    // "VERB TARGET TEXT": TEXT is the rest of the line, spaces and all. A known verb and a target without text parse,
    // with an empty TEXT: that line is a message with nothing in it, not an unknown command.
    private static bool TryParse(ReadOnlySpan<char> line, out Verb verb, out ReadOnlySpan<char> target, out ReadOnlySpan<char> text)
    {
        verb = default;
        target = text = default;
        var first = line.IndexOf(' ');
        if (first <= 0 || first == line.Length - 1)
            return false;
        var second = line[(first + 1)..].IndexOf(' ');
        second = second < 0 ? line.Length : second + first + 1;
        if (second == first + 1)
            return false;
        var word = line[..first];
        if (word.SequenceEqual("send"))
            verb = Verb.Send;
        else if (word.SequenceEqual("group-send"))
            verb = Verb.GroupSend;
        else
            return false;
        target = line[(first + 1)..second];
        text = second < line.Length ? line[(second + 1)..] : default;
        return true;
    }


    // A send's outcome that no node event reports: queued for later (with why), or written to an old peer.
    private static string Outcome(long line, string type, SendResult sent, bool asJson)
    {
        var queued = type == "command_queued";
        if (!asJson)
            return type switch
            {
                "command_queued" => $"Input line {line}: queued for {sent.To}: {Sanitize(sent.Error ?? "not sent yet")}",
                "command_accepted" => $"Input line {line}: sent to {sent.To} as message {sent.MessageId}; its delivery is reported when acknowledged",
                _ => $"Input line {line}: sent to {sent.To} (unencrypted, unverified: an old peer cannot acknowledge)" +
                     (sent.Parts > 1 ? $" in {sent.Parts} messages" : ""),
            };
        var json = new JsonObject
        {
            ["type"] = type,
            ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["line"] = line,
            ["to"] = sent.To.ToString(),
            ["messageId"] = sent.MessageId?.ToString(),
        };
        if (queued)
            json["reason"] = sent.Error;
        else if (type == "command_sent")
            json["parts"] = sent.Parts;
        return json.ToJsonString(JsonOptions);
    }

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
