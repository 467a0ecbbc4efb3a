using System.Buffers;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// Peer exchange: connected secure peers tell each other whom they know; what is learned is a candidate
// address for an ID, connected to (and so proven) like an announced one.
public sealed partial class ChatNode
{
    partial void InitializePeerExchange()
    {
        Handle(FrameType.PeersRequest, AnswerPeersRequestAsync);
        Handle(FrameType.Peers, OnPeerListAsync);
    }

    private ValueTask RequestPeersAsync(SecureSession session)
    {
        Interlocked.Increment(ref session.PeerListsAsked);
        return session.SendAsync(0, static (_, w) => FrameCodec.Write(w, FrameType.PeersRequest, 0, 0, static (_, _) => { }));
    }

    private ValueTask AnswerPeersRequestAsync(SecureSession asker, ReadOnlySequence<byte> body)
    {
        var known = _sessions.Values
            .Where(s => s.RemoteId != asker.RemoteId && s.RemoteHello is not null && !s.Completion.IsCompleted)
            .Select(s => new PeerListMessage.Entry(s.RemoteId, s.Address, s.LastReceived))
            .Take(_options.MaxExchangedPeers)
            .ToList();
        return asker.SendAsync(new PeerListMessage(known), static (m, w) => m.Encode(w));
    }

    private ValueTask OnPeerListAsync(SecureSession from, ReadOnlySequence<byte> body)
    {
        // Only answers to our own request: unsolicited lists would let a peer make this node dial anywhere.
        if (Interlocked.Decrement(ref from.PeerListsAsked) < 0)
        {
            Interlocked.Increment(ref from.PeerListsAsked);
            _log.LogDebug("Ignored an unsolicited peer list from {PeerId}", from.RemoteId.Short);
            return ValueTask.CompletedTask;
        }
        var list = PeerListMessage.Decode(body);
        _log.LogDebug("{PeerId} knows {Count} peers", from.RemoteId.Short, list.Peers.Count);
        foreach (var entry in list.Peers.Take(_options.MaxExchangedPeers))
            ConsiderCandidate(entry.Id, entry.Address, PeerSource.Exchanged);
        return ValueTask.CompletedTask;
    }
}
