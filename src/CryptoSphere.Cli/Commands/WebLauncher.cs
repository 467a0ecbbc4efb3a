using CryptoSphere.Core.Node;
using CryptoSphere.Web;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Starts the web interface next to a running node and tells the user how to open it. The link holds
/// the access token, so it goes to the console only (stdout), never through the logger.
/// </summary>
internal static class WebLauncher
{
    public static async Task<WebInterface?> TryStartAsync(ChatNode node, WebOptions options, ILoggerFactory logs,
        Action<string> info, Action<string> warn, Action<string> error)
    {
        WebInterface web;
        try
        {
            web = await WebInterface.StartAsync(node, options, logs);
        }
        catch (PortUnavailableException e)
        {
            error($"cannot start the web interface: {e.Message}");
            return null;
        }
        if (options.Port != 0 && web.Port != options.Port)
            info($"Web port {options.Port} is in use; using port {web.Port} instead.");
        info($"Web interface: {web.LocalLink}");
        if (web.NetworkLink is { } network)
        {
            warn($"the web interface listens on {options.Bind} and can be reached from the network, over plain " +
                 "(unencrypted) HTTP. Anyone who gets its link can read your chats and send as you; use it on a network you trust.");
            info($"On your network: {network}");
        }
        info("Open the link in a browser; it works until this node stops.");
        return web;
    }
}
