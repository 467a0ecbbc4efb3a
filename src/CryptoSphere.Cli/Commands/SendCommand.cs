using System.CommandLine;
using System.Text.Json.Nodes;
using CryptoSphere.Cli.Control;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>send</c>: one message, then exit 0, or a clear error and a non-zero exit. Secure first: a CryptoSphere
/// node gets it over TLS and must acknowledge it; an old peer gets it over the legacy protocol.
/// </summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var common = new OneOffOptions("Seconds to wait for the connection and for the acknowledgement");
        var secureOnly = new Option<bool>("--secure-only") { Description = "Fail rather than send unencrypted to an old peer" };
        var text = MessageInput.CreateArgument("The message (quote it; may contain newlines)");
        // Said in the help too (hunt C5): without a running node the message goes over the LAN only.
        var command = new Command("send", "Send one message to a peer and exit (secure when the peer is a CryptoSphere node). " +
            "With a node running on the data directory, it sends; otherwise this process sends over the LAN only: " +
            "a peer reachable only through a relay gets it once `cryptosphere listen` runs on this data directory");
        common.AddTo(command);
        command.Options.Add(secureOnly);
        command.Arguments.Add(text);

        command.SetAction(async (result, ct) =>
        {
            if (!MessageInput.TryGet(result.GetValue(text), Console.In, Console.IsInputRedirected, out var message, out var refused))
            {
                await Console.Error.WriteLineAsync($"cryptosphere: {refused}");
                return UsageErrors.ExitCode;
            }
            var dataDir = result.GetValue(common.DataDir)!;
            var wait = TimeSpan.FromSeconds(Math.Max(1, result.GetValue(common.Timeout)));
            var target = result.GetValue(common.To)!;
            var request = new JsonObject
            {
                ["op"] = "send", ["to"] = target, ["text"] = message, ["wait"] = (int)wait.TotalSeconds,
                ["secureOnly"] = result.GetValue(secureOnly),
            };
            if (await ControlClient.TryRunAsync(dataDir, request, wait + ControlClient.Slack, ct) is { } forwarded)
                return forwarded.Print();

            using var profile = Profile.Open(dataDir);
            if (profile is null)
                return 2;
            await using var node = SendOnlyNode.Create(profile, result.GetValue(common.Name)!, result.GetValue(common.AdvertiseIp), wait, result.GetValue(secureOnly));
            node.StartSendOnly(result.GetValue(common.FromPort)!.Value);
            var kept = $"It is kept in the outbox of {profile.Directory}: a node running with that data directory will deliver it.";
            return (await SendAction.RunAsync(node, profile.Trust, target, message, wait, result.GetValue(secureOnly), kept, ct, noRelays: true)).Print();
        });
        return command;
    }
}
