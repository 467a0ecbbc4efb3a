using System.CommandLine;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Menu;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Cli.Commands;

/// <summary>The root command: ask for what is missing, start a node, run the menu, say goodbye.</summary>
internal static class MenuCommand
{
    public static void Configure(RootCommand root)
    {
        var settings = new NodeSettings();
        var web = new WebSettings();
        settings.AddTo(root);
        web.AddTo(root, withSwitch: true);
        root.SetAction(async (result, ct) =>
        {
            IMenuConsole console = Console.IsInputRedirected || Console.IsOutputRedirected
                ? new PlainMenuConsole(Console.In, Console.Out)
                : new TerminalMenuConsole();
            return await RunAsync(console, settings, result, ct, web);
        });
    }

    internal static async Task<int> RunAsync(IMenuConsole console, NodeSettings settings, ParseResult result, CancellationToken ct,
        WebSettings? web = null)
    {
        string? name;
        int? port;
        try
        {
            name = result.GetValue(settings.Name) ?? AskName(console);
            port = name is null ? null : result.GetValue(settings.Port) ?? AskPort(console);
        }
        catch (PromptCancelledException)
        {
            name = null;
            port = null;
        }
        if (name is null || port is null)
        {
            console.Info("Bye.");
            return 0;
        }

        using var profile = Profile.Open(result.GetValue(settings.DataDir)!, forNode: true);
        if (profile is null)
            return 2;
        using var logs = Logs.ToStderr(result.GetValue(settings.LogLevel));
        await using var node = settings.CreateNode(result, name, port.Value, profile, logs);
        if (node is null)
            return 2;
        node.EventRaised += e =>
        {
            if (e is NodeStarted s && s.RequestedPort is { } asked)
                console.Info($"Port {asked} is in use; using port {s.Port} instead.");
        };
        if (!await NodeRunner.TryStartAsync(node))
            return 2;
        await using var control = ControlServer.TryStart(node, profile.Trust, profile.Directory, logs);
        console.Info($"Welcome, {name}. Listening on {EventText.ListeningOn(Core.Peers.PeerKey.HostOf(node.Options.Bind), node.AdvertisedIp, node.Port)}.");
        console.Info($"Your ID: {node.Identity.Id}");

        await using var site = web is not null && result.GetValue(web.Web)
            ? await WebLauncher.TryStartAsync(node, web.ToWebOptions(result, node), logs, console.Info,
                text => console.Info("Warning: " + text), console.Error)
            : null;

        using var signal = new ShutdownSignal(ct);
        signal.Watch(node);
        await new InteractiveMenu(node, console).RunAsync(signal.Token);
        if (site is not null)
            await site.StopAsync();
        console.Info("Saying goodbye to peers...");
        await node.StopAsync();
        if (signal.Failure is not null)
            return signal.Report();
        console.Info("Bye.");
        return 0;
    }

    private static string? AskName(IMenuConsole console)
    {
        while (true)
        {
            var name = console.Ask("Your name: ")?.Trim();
            if (name is null || name.Equals("exit", StringComparison.OrdinalIgnoreCase))
                return null;
            if (Core.Peers.OwnName.Problem(name) is not { } problem)
                return name;
            console.Error(problem + ".");
        }
    }

    private static int? AskPort(IMenuConsole console)
    {
        while (true)
        {
            var answer = console.Ask($"Port to listen on ({PortRules.Min}-{PortRules.Max}): ");
            if (answer is null || answer.Trim().Equals("exit", StringComparison.OrdinalIgnoreCase))
                return null;
            if (PortRules.TryParse(answer, out var port, out var error))
                return port;
            console.Error(error + ".");
        }
    }
}
