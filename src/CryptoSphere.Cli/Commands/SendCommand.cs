using System.CommandLine;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Cli.Commands;

/// <summary><c>send</c>: one legacy message, then exit 0, or a clear error and a non-zero exit.</summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "The peer, as HOST:PORT", Required = true };
        var name = new Option<string>("--name", "-n") { Description = "Your display name", Required = true };
        var fromPort = new Option<int?>("--from-port")
        {
            Description = "The port you listen on, written in the header so the peer can answer",
            Required = true,
            CustomParser = NodeSettings.ParsePort,
        };
        var advertise = new Option<string?>("--advertise-ip") { Description = "IP written in the header (default: detected)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the connection", DefaultValueFactory = _ => 5 };
        var text = new Argument<string>("text") { Description = "The message (quote it; may contain newlines)" };
        var command = new Command("send", "Send one message to a peer over the legacy protocol and exit");
        command.Options.Add(to);
        command.Options.Add(name);
        command.Options.Add(fromPort);
        command.Options.Add(advertise);
        command.Options.Add(timeout);
        command.Arguments.Add(text);
        to.Validators.Add(r =>
        {
            if (!PeerKey.TryParse(r.GetValueOrDefault<string>(), out _, out var error))
                r.AddError($"Invalid --to: {error}.");
        });

        command.SetAction(async (result, ct) =>
        {
            PeerKey.TryParse(result.GetValue(to), out var peer, out _);
            var ip = result.GetValue(advertise) ?? LocalAddress.Detect();
            var bytes = LegacyCodec.EncodeChat(ip, result.GetValue(fromPort)!.Value, result.GetValue(name)!, result.GetValue(text)!);
            try
            {
                await LegacySender.SendAsync(peer.Host, peer.Port, bytes, TimeSpan.FromSeconds(result.GetValue(timeout)), ct);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"cryptosphere: could not send to {peer}: {e.Message}");
                return 1;
            }
            Console.WriteLine($"Sent to {peer} (unencrypted, unverified).");
            return 0;
        });
        return command;
    }
}
