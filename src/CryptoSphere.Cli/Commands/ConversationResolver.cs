using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Commands;

/// <summary>Turns a PEER argument (group name or ID, peer ID or prefix, or HOST:PORT) into a conversation key.</summary>
internal static class ConversationResolver
{
    public static bool TryResolve(string peer, TrustStore trust, out string conversation, out string error)
    {
        conversation = "";
        if (PeerIdResolver.TryResolve(peer, trust, out var id, out error))
        {
            conversation = StoredMessage.ConversationOf(id, default);
            return true;
        }
        if (GroupResolver.Resolve(peer, trust.Store, out _) is { } group)
        {
            conversation = group.Conversation;
            error = "";
            return true;
        }
        if (PeerKey.TryParse(peer, out var address, out _))
        {
            var known = trust.FindByAddress(address.ToString());
            conversation = StoredMessage.ConversationOf(known?.Id, address);
            error = "";
            return true;
        }
        return false;
    }
}
