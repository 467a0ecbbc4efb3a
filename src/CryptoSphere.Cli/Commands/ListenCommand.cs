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
        var command = new Command("listen", "Run a node without the menu and print each event as one line");
        settings.AddTo(command);
        command.Options.Add(json);
        settings.Port.Required = true;
        settings.Name.Required = true;

        command.SetAction(async (result, ct) =>
        {
            var asJson = result.GetValue(json);
            var output = Console.Out;
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
                var line = asJson ? NodeEventJson.Serialize(e) : EventText.Describe(e, trust);
                if (line is null)
                    return;
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
            node.EventRaised += Print;
            using var signal = new ShutdownSignal(ct);
            if (!await NodeRunner.TryStartAsync(node))
                return 2;
            await using var control = ControlServer.TryStart(node, profile.Trust, profile.Directory, logs);
            try
            {
                await Task.Delay(Timeout.Infinite, signal.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await node.StopAsync();
            return 0;
        });
        return command;
    }
}
