using System.CommandLine;
using System.Text.Json.Nodes;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Relay;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>invite</c> prints a link carrying this node's IDs, addresses and relay; <c>add</c> takes one in.</summary>
internal static class InviteCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return InviteCommand();
        yield return AddCommand();
    }

    private static Command InviteCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var name = new Option<string?>("--name", "-n") { Description = "The name the link suggests for you (default: the running node's, else your user name)" };
        var port = new Option<int?>("--port", "-p")
        {
            Description = $"The port your node listens on (default: the running node's, else {WebCommand.DefaultNodePort})",
            CustomParser = NodeSettings.ParsePort,
        };
        var advertise = new Option<string?>("--advertise-ip") { Description = "Your address as others reach it (default: the running node's, else the detected LAN address)" };
        var relay = new Option<RelayUrl?>("--relay") { Description = "The relay you are joined to (default: the running node's, else the one in network.json)" };
        var command = new Command("invite", "Print a link with your ID, addresses and relay, for someone to add with 'cryptosphere add'. "
                                            + "The node running on the data directory gives its own (options given here replace its parts); "
                                            + $"with none running, the port is {WebCommand.DefaultNodePort} unless --port says otherwise, and a warning says so");
        foreach (var option in new Option[] { dataDir, name, port, advertise, relay })
            command.Options.Add(option);
        OptionChecks.DisplayName(name);
        // As --advertise-ip of listen and the menu: 'bad host!' went into the link, and `add` stored it (found from outside).
        OptionChecks.IpAddress(advertise);
        command.SetAction(async (result, ct) =>
        {
            var directory = result.GetValue(dataDir)!;
            var relayText = result.GetResult(relay)?.Tokens is [var relayToken, ..] ? relayToken.Value : null;
            if (relayText is not null && !RelayUrl.TryParse(relayText, out _, out var relayError))
            {
                Console.Error.WriteLine($"cryptosphere: --relay: {relayError}");
                return 2;
            }
            var givenRelay = relayText is not null ? RelayUrl.Parse(relayText) : null;
            // The running node knows its name, port and relay; the data directory alone does not (listen takes them as
            // options). The link was built from guesses while the web page of the same node had the right one.
            if (await ControlClient.TryRunAsync(directory, new JsonObject { ["op"] = "invite" }, ControlClient.Slack, ct) is { } answer)
            {
                if (answer.Exit != 0 || !InviteLink.TryParse(answer.Out, out var running, out _) || running!.Addresses.Count == 0)
                    return answer.Print();
                var at = running.Addresses[0];
                Console.WriteLine(running with
                {
                    Name = result.GetValue(name) ?? running.Name,
                    Addresses = [new PeerKey(result.GetValue(advertise) ?? at.Host, result.GetValue(port) ?? at.Port)],
                    Relay = givenRelay ?? running.Relay,
                });
                return 0;
            }
            using var profile = Profile.Open(directory);
            if (profile is null)
                return 2;
            if (!AcrossNetworksSettingsFile.TryLoad(profile.Directory, out var fromFile, out var error))
            {
                Console.Error.WriteLine($"cryptosphere: {error}");
                return 2;
            }
            var host = result.GetValue(advertise) ?? LocalAddress.Detect();
            var link = new InviteLink(profile.Identity.Id, SyncthingDeviceId.FromCertificate(profile.Identity.Certificate),
                result.GetValue(name) ?? Environment.UserName,
                [new PeerKey(host, result.GetValue(port) ?? WebCommand.DefaultNodePort)],
                givenRelay ?? fromFile.Relay);
            // On stderr, so that the link alone is still what a script reads from stdout.
            if (result.GetValue(port) is null)
                Console.Error.WriteLine($"cryptosphere: warning: no node is running on {directory}, so the link assumes port {WebCommand.DefaultNodePort} "
                                        + "and the relay in network.json; give --port (and --relay) as your node will listen, or run this while it runs");
            Console.WriteLine(link);
            return 0;
        });
        return command;
    }

    private static Command AddCommand()
    {
        var dataDir = DataDirectory.CreateOption();
        var linkArgument = new Argument<string>("link") { Description = "The link 'cryptosphere invite' printed (quote it)" };
        var trust = new Option<bool>("--trust") { Description = "Trust the contact at once (only if the link came from them by a channel you trust)" };
        var command = new Command("add", "Add the contact an invite link names; you can then reach it through its relay");
        command.Options.Add(dataDir);
        command.Options.Add(trust);
        command.Arguments.Add(linkArgument);
        command.SetAction(result =>
        {
            // Bad input, as a bad argument anywhere else: exit 2 (it was 1, the code of a failed send). The error can
            // quote the link's own text, so it is made safe for the terminal.
            if (!InviteLink.TryParse(result.GetValue(linkArgument), out var link, out var error))
            {
                Console.Error.WriteLine($"cryptosphere: {TerminalText.Safe(error)}");
                return UsageErrors.ExitCode;
            }
            using var profile = Profile.Open(result.GetValue(dataDir)!);
            if (profile is null)
                return 2;
            if (link!.Id == profile.Identity.Id)
            {
                Console.Error.WriteLine("cryptosphere: this is your own invite link; add someone else's");
                return UsageErrors.ExitCode;
            }
            var before = link.AddTo(profile.Trust, result.GetValue(trust), DateTimeOffset.UtcNow);
            Console.WriteLine(InviteText.Added(link, before, profile.Trust.Find(link.Id)!));
            return 0;
        });
        return command;
    }
}
