using System.CommandLine;
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
        var name = new Option<string?>("--name", "-n") { Description = "The name the link suggests for you (default: your user name)" };
        var port = new Option<int?>("--port", "-p")
        {
            Description = $"The port your node listens on (default {WebCommand.DefaultNodePort})",
            CustomParser = NodeSettings.ParsePort,
        };
        var advertise = new Option<string?>("--advertise-ip") { Description = "Your address as others reach it (default: detected LAN address)" };
        var relay = new Option<RelayUrl?>("--relay") { Description = "The relay you are joined to (default: the one in network.json)" };
        var command = new Command("invite", "Print a link with your ID, addresses and relay, for someone to add with 'cryptosphere add'");
        foreach (var option in new Option[] { dataDir, name, port, advertise, relay })
            command.Options.Add(option);
        OptionChecks.DisplayName(name);
        command.SetAction(result =>
        {
            using var profile = Profile.Open(result.GetValue(dataDir)!);
            if (profile is null)
                return 2;
            if (!AcrossNetworksSettingsFile.TryLoad(profile.Directory, out var fromFile, out var error))
            {
                Console.Error.WriteLine($"cryptosphere: {error}");
                return 2;
            }
            var relayText = result.GetResult(relay)?.Tokens is [var relayToken, ..] ? relayToken.Value : null;
            if (relayText is not null && !RelayUrl.TryParse(relayText, out _, out var relayError))
            {
                Console.Error.WriteLine($"cryptosphere: --relay: {relayError}");
                return 2;
            }
            var host = result.GetValue(advertise) ?? LocalAddress.Detect();
            var link = new InviteLink(profile.Identity.Id, SyncthingDeviceId.FromCertificate(profile.Identity.Certificate),
                result.GetValue(name) ?? Environment.UserName,
                [new PeerKey(host, result.GetValue(port) ?? WebCommand.DefaultNodePort)],
                relayText is not null ? RelayUrl.Parse(relayText) : fromFile.Relay);
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
