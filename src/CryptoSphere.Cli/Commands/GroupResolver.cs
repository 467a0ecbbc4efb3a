using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Finds a group by name first, then ID or unique prefix (Core's <see cref="Recipients"/>); the error may
/// quote group names that came from the network, so it is made safe for the terminal here.
/// </summary>
internal static class GroupResolver
{
    public static Group? Resolve(string text, ChatStore store, out string error)
    {
        var group = Recipients.ResolveGroup(text, store, out error);
        error = TerminalText.Safe(error);
        return group;
    }
}
