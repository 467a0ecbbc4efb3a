using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Web;

namespace CryptoSphere.Cli.Commands;

/// <summary>The web interface's options: <c>--web</c> (menu only), <c>--web-port</c>, <c>--web-bind</c>.</summary>
internal sealed class WebSettings
{
    public Option<bool> Web { get; } = new("--web")
    {
        Description = "Also serve the web interface in this process, and print the link to open it",
    };

    public Option<int> Port { get; } = new("--web-port")
    {
        Description = "Port of the web interface; the next free one is taken if it is in use",
        DefaultValueFactory = _ => WebOptions.DefaultPort,
        CustomParser = r => NodeSettings.ParsePort(r) ?? WebOptions.DefaultPort,
    };

    public Option<IPAddress> Bind { get; } = new("--web-bind")
    {
        Description = "Address the web interface listens on: 127.0.0.1 is this machine only; " +
                      "0.0.0.0 lets a phone on your network open it, over unencrypted HTTP",
        DefaultValueFactory = _ => IPAddress.Loopback,
        CustomParser = ParseAddress,
    };

    public void AddTo(Command command, bool withSwitch)
    {
        if (withSwitch)
            command.Options.Add(Web);
        command.Options.Add(Port);
        command.Options.Add(Bind);
    }

    public WebOptions ToWebOptions(ParseResult result, ChatNode node) => new()
    {
        Bind = result.GetValue(Bind)!,
        Port = result.GetValue(Port),
        // A phone reaches a wildcard-bound interface at the node's LAN address.
        PublicHost = node.AdvertisedIp,
    };

    private static IPAddress ParseAddress(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (IPAddress.TryParse(text, out var address))
            return address;
        result.AddError($"Invalid --web-bind '{text}': expected an IP address such as 127.0.0.1 or 0.0.0.0.");
        return IPAddress.Loopback;
    }
}
