using System.CommandLine;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>listen</c>: a node with no menu, printing one line per event until Ctrl+C or SIGTERM.</summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var settings = new NodeSettings();
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line instead of text" };
        var commands = new Option<bool>("--commands")
        {
            Description = "Also read commands from standard input, one per line: send TARGET TEXT (TARGET: HOST:PORT or a peer ID), "
                          + "group-send GROUP TEXT (GROUP: a name without spaces or an ID). "
                          + "Sends do not wait for each other; each secure send out prints command_accepted (its input line and messageId; "
                          + "its message_delivered line, with the same messageId, follows when the peer acknowledges it, or may come first), "
                          + "messages written to old peers (command_sent), messages kept "
                          + "for a peer that is away (command_queued: delivered later, do not resend) and failures (command_failed) "
                          + "are printed as event lines",
        };
        var command = new Command("listen", "Run a node without the menu and print each event as one line");
        settings.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(commands);
        settings.Port.Required = true;
        settings.Name.Required = true;

        command.SetAction(async (result, ct) =>
        {
            var asJson = result.GetValue(json);
            // Buffered, and flushed once the node has no more events queued: one write for a burst of events instead of
            // one per event (Console.Out flushes every line), while a lone event is still written at once.
            using var output = new OutputLines(Console.OpenStandardOutput());
            var gate = new object();
            TrustStore? trust = null;
            var progressShown = new Dictionary<Guid, DateTimeOffset>();
            void Print(NodeEvent e)
            {
                // Progress comes up to ten times a second per transfer: plenty for JSON consumers, too much to read.
                if (!asJson && e is TransferProgress p && p.Transfer.Bytes < p.Transfer.Size)
                {
                    lock (gate)
                    {
                        if (progressShown.TryGetValue(p.Transfer.Id, out var last) && p.Time - last < TimeSpan.FromSeconds(1))
                            return;
                        progressShown[p.Transfer.Id] = p.Time;
                    }
                }
                if (asJson)
                {
                    lock (gate)
                        NodeEventJson.Serialize(e, output, static (utf8, lines) => lines.WriteJsonLine(utf8));
                    return;
                }
                var line = EventText.Describe(e, trust);
                if (line is null)
                    return;
                lock (gate)
                    output.WriteLine(line);
            }

            void Flush()
            {
                lock (gate)
                    output.Flush();
            }

            // The lines of --commands (failures) share the lock, so no line is cut by another.
            void PrintLine(string line)
            {
                lock (gate)
                {
                    output.WriteLine(line);
                    output.Flush();
                }
            }

            using var profile = Profile.Open(result.GetValue(settings.DataDir)!, forNode: true);
            if (profile is null)
                return 2;
            using var logs = Logs.ToStderr(result.GetValue(settings.LogLevel));
            trust = profile.Trust;
            await using var node = settings.CreateNode(result, result.GetValue(settings.Name)!, result.GetValue(settings.Port)!.Value, profile, logs);
            if (node is null)
                return 2;
            node.EventRaised += Print;
            node.EventsDelivered += Flush;
            using var signal = new ShutdownSignal(ct);
            signal.Watch(node);
            if (!await NodeRunner.TryStartAsync(node))
                return 2;
            await using var control = ControlServer.TryStart(node, profile.Trust, profile.Directory, logs);
            var reading = result.GetValue(commands)
                // 64 KiB at a time: with the default 1 KiB a script's burst cost a read() per eight lines.
                ? ListenInput.RunAsync(new StreamReader(Console.OpenStandardInput(), bufferSize: 64 * 1024), node, profile.Trust, asJson, PrintLine,
                    signal.Token)
                : Task.CompletedTask;
            try
            {
                await Task.Delay(Timeout.Infinite, signal.Token);
            }
            catch (OperationCanceledException)
            {
            }
            // A read from a terminal cannot be cancelled: give sends in progress a moment, not the reader.
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            await node.StopAsync();
            return signal.Report();
        });
        return command;
    }
}
