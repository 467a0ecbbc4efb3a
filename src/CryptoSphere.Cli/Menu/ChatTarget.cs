using System.Net;
using System.Text.RegularExpressions;
using CryptoSphere.Cli.Commands;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Menu;

/// <summary>
/// Who a chat session talks to, asked the way the original asked (IP, then port) but telling peer IDs and
/// host names apart: a mistyped ID is an error, not a host name to dial. Blank or <c>exit</c> at any of its
/// prompts goes back to the menu.
/// </summary>
internal sealed partial record ChatTarget(PeerKey? Address, PeerId? Id, string Label)
{
    public static ChatTarget? Ask(IMenuConsole console, TrustStore trust)
    {
        var answer = AskAddressOrId(console);
        if (answer is null)
            return null;
        if (PeerKey.TryParse(answer, out var address, out _))
            return new ChatTarget(address, null, address.ToString());
        var isIp = IPAddress.TryParse(answer, out _);
        var error = "";
        if (!isIp && PeerIdResolver.TryResolve(answer!, trust, out var id, out error))
            return new ChatTarget(null, id, id.Short);
        if (!isIp && IdLike().IsMatch(answer!))
        {
            console.Error($"'{TerminalText.Safe(answer)}' looks like a peer ID, but {error}.");
            return null;
        }
        if (!isIp && !answer!.Contains('.') && !answer.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            var sure = console.Ask($"'{TerminalText.Safe(answer)}' is neither an IP address nor a known peer ID. Is it a host name? (y/N): ");
            if (sure?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                return null;
        }
        return AskPort(console) is { } port ? new ChatTarget(new PeerKey(answer!, port), null, $"{answer}:{port}") : null;
    }

    /// <summary>
    /// The first answer, asked again while it is a HOST:PORT that cannot be sent to ("127.0.0.1:80", "127.0.0.1:"):
    /// IDs never hold ':', so such an answer was meant as an address, and taking it as a host name would chat with
    /// "127.0.0.1:80:PORT". The error is the one <c>send --to</c> gives. Null when the user goes back.
    /// </summary>
    private static string? AskAddressOrId(IMenuConsole console)
    {
        while (true)
        {
            var answer = console.Ask("Peer IP, HOST:PORT or peer ID (blank to go back): ")?.Trim();
            if (IsCancel(answer))
                return null;
            // A bare IPv6 address ("::1") holds ':' too, and is asked its port as an IPv4 one is.
            var bareIpv6 = !answer!.Contains('[') && IPAddress.TryParse(answer, out _);
            if (answer.Contains(':') && !bareIpv6 && !PeerKey.TryParse(answer, out _, out _))
            {
                console.Error(TerminalText.Safe(PeerIdResolver.NotATarget(answer, "")) + ".");
                continue;
            }
            return answer;
        }
    }

    /// <summary>The peer's port; null when the user goes back (blank, <c>exit</c>, end of input).</summary>
    public static int? AskPort(IMenuConsole console)
    {
        while (true)
        {
            var answer = console.Ask("Peer port (blank to go back): ");
            if (IsCancel(answer))
                return null;
            if (PortRules.TryParse(answer, out var port, out var error))
                return port;
            console.Error(error + ".");
        }
    }

    private static bool IsCancel(string? answer) =>
        string.IsNullOrWhiteSpace(answer) || answer.Trim().Equals("exit", StringComparison.OrdinalIgnoreCase);

    // Peer IDs are upper-case base32 in groups of seven ("RW5MCGU-7337OMI-..."); host names are rarely written so.
    [GeneratedRegex("^[A-Z2-7]{4,}(-[A-Z2-7]{1,7})*-?$")]
    private static partial Regex IdLike();
}
