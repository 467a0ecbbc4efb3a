using CryptoSphere.Core.Node;

namespace CryptoSphere.Cli.Commands;

internal static class NodeRunner
{
    /// <summary>Starts the node, or prints why it could not start.</summary>
    public static async Task<bool> TryStartAsync(ChatNode node)
    {
        try
        {
            await node.StartAsync();
            return true;
        }
        catch (PortUnavailableException e)
        {
            await Console.Error.WriteLineAsync($"cryptosphere: cannot listen: {e.Message}");
            return false;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // A --bind address this machine does not have, most often.
            await Console.Error.WriteLineAsync($"cryptosphere: cannot listen: {e.Message} (check --bind)");
            return false;
        }
    }
}
