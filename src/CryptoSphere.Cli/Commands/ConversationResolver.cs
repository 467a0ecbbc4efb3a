using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>Turns a PEER argument (group name or ID, peer ID or prefix, or HOST:PORT) into a conversation key (Core's <see cref="Recipients"/>).</summary>
internal static class ConversationResolver
{
    public static bool TryResolve(string peer, TrustStore trust, out string conversation, out string error)
    {
        var found = Recipients.TryResolveConversation(peer, trust, out var id, out error);
        conversation = found ? id.ToString() : "";
        return found;
    }
}
