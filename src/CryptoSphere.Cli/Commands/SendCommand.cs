using System.CommandLine;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

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
        var command = new Command("send", "Send one message to a peer and exit (secure when the peer is a CryptoSphere node)");
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
            using var profile = Profile.Open(result.GetValue(common.DataDir)!);
            if (profile is null)
                return 2;
            var wait = TimeSpan.FromSeconds(Math.Max(1, result.GetValue(common.Timeout)));
            await using var node = SendOnlyNode.Create(profile, result.GetValue(common.Name)!, result.GetValue(common.AdvertiseIp), wait, result.GetValue(secureOnly));
            node.StartSendOnly(result.GetValue(common.FromPort)!.Value);

            var target = result.GetValue(common.To)!;
            SendResult sent;
            if (PeerKey.TryParse(target, out var address, out _))
                sent = await node.SendAsync(address, message, ct);
            else if (PeerIdResolver.TryResolve(target, profile.Trust, out var id, out var error))
                sent = await node.SendAsync(id, message, ct);
            else
            {
                await Console.Error.WriteLineAsync($"cryptosphere: invalid --to: '{target}' is neither HOST:PORT nor a known peer ID ({error})");
                return UsageErrors.ExitCode;
            }

            if (!sent.Success)
            {
                var kept = sent.State == Core.Storage.MessageState.Queued
                    ? $" It is kept in the outbox of {profile.Directory}: a node running with that data directory will deliver it."
                    : "";
                await Console.Error.WriteLineAsync($"cryptosphere: could not send to {target}: {Rendering.TerminalText.Safe(sent.Error)}.{kept}");
                return 1;
            }
            if (sent.Delivered is null)
            {
                Console.WriteLine($"Sent to {sent.To} (unencrypted, unverified: an old peer cannot acknowledge).");
                return 0;
            }
            try
            {
                await sent.Delivered.WaitAsync(wait, ct);
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync($"cryptosphere: sent to {sent.To} over TLS, but no acknowledgement within {wait.TotalSeconds:0} s");
                return 3;
            }
            var peerId = node.Peers.Find(sent.To)?.Id;
            Console.WriteLine($"Delivered to {sent.To} (secure, peer {peerId}).");
            return 0;
        });
        return command;
    }
}
