using System.CommandLine;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>web</c>: a node with the web interface and no menu. Prints the link to open, then one line per
/// event like <c>listen</c>, until Ctrl+C or SIGTERM.
/// </summary>
internal static class WebCommand
{
    public const int DefaultNodePort = 5000;

    public static Command Create()
    {
        var settings = new NodeSettings();
        var web = new WebSettings();
        var command = new Command("web", "Run a node with the web interface and no menu; prints the link to open in a browser");
        settings.AddTo(command);
        web.AddTo(command, withSwitch: false);
        settings.Name.Description += " (default: your login name)";
        settings.Port.Description += $" (default {DefaultNodePort})";

        command.SetAction(async (result, ct) =>
        {
            var output = Console.Out;
            var gate = new object();
            TrustStore? trust = null;
            void Print(string line)
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
            var name = result.GetValue(settings.Name) ?? Environment.UserName;
            trust = profile.Trust;
            await using var node = settings.CreateNode(result, name, result.GetValue(settings.Port) ?? DefaultNodePort, profile, logs);
            if (node is null)
                return 2;
            node.EventRaised += e =>
            {
                if (EventText.Describe(e, trust) is { } line)
                    Print(line);
            };
            using var signal = new ShutdownSignal(ct);
            signal.Watch(node);
            if (!await NodeRunner.TryStartAsync(node))
                return 2;
            await using var control = ControlServer.TryStart(node, profile.Trust, profile.Directory, logs);
            Print($"Your ID: {node.Identity.Id}");
            await using var site = await WebLauncher.TryStartAsync(node, web.ToWebOptions(result, node), logs, Print,
                text => Console.Error.WriteLine($"cryptosphere: warning: {text}"), text => Console.Error.WriteLine($"cryptosphere: {text}"));
            if (site is null)
            {
                await node.StopAsync();
                return 2;
            }
            try
            {
                await Task.Delay(Timeout.Infinite, signal.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await site.StopAsync();
            await node.StopAsync();
            return signal.Report();
        });
        return command;
    }
}
