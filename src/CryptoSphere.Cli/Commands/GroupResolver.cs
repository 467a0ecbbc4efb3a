using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Commands;

/// <summary>Finds a group by its ID, a unique prefix of it, or its unique name (Core's <see cref="Recipients"/>).</summary>
internal static class GroupResolver
{
    public static Group? Resolve(string text, ChatStore store, out string error) => Recipients.ResolveGroup(text, store, out error);
}
