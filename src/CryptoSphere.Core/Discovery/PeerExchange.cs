using System.Buffers;
using System.Runtime.CompilerServices;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Discovery;

/// <summary>
/// Peer exchange: connected secure peers tell each other whom they know; what is learned is a candidate
/// address for an ID, connected to (and so proven) like an announced one.
/// </summary>
internal sealed class PeerExchange
{
    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly CandidateDialer _dialer;
    private readonly ILogger _log;
    // Per session: lists asked for and not yet answered. Dropped with the session.
    private readonly ConditionalWeakTable<SecureSession, StrongBox<int>> _asked = new();

    public PeerExchange(NodeRuntime node, SessionRegistry sessions, CandidateDialer dialer, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _dialer = dialer;
        _log = node.Logger<PeerExchange>();
        router.Handle(FrameType.PeersRequest, AnswerRequestAsync);
        router.Handle(FrameType.Peers, OnPeerListAsync);
        sessions.Opened += session => _node.Work.Track(RequestAsync(session));
    }

    private async Task RequestAsync(SecureSession session)
    {
        Interlocked.Increment(ref _asked.GetOrCreateValue(session).Value);
        try
        {
            await session.SendAsync(0, static (_, w) => FrameCodec.Write(w, FrameType.PeersRequest, 0, 0, static (_, _) => { })).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The session closed; the next one asks again.
        }
    }

    private ValueTask AnswerRequestAsync(SecureSession asker, ReadOnlySequence<byte> body)
    {
        var known = _sessions.All
            .Where(s => s.RemoteId != asker.RemoteId && s.RemoteHello is not null && !s.Completion.IsCompleted)
            .Select(s => new PeerListMessage.Entry(s.RemoteId, s.Address, s.LastReceived))
            .Take(_node.Options.MaxExchangedPeers)
            .ToList();
        return asker.SendAsync(new PeerListMessage(known), static (m, w) => m.Encode(w));
    }

    private ValueTask OnPeerListAsync(SecureSession from, ReadOnlySequence<byte> body)
    {
        // Only answers to our own request: unsolicited lists would let a peer make this node dial anywhere.
        var asked = _asked.GetOrCreateValue(from);
        if (Interlocked.Decrement(ref asked.Value) < 0)
        {
            Interlocked.Increment(ref asked.Value);
            DiscoveryLog.UnsolicitedList(_log, from.RemoteId.Short);
            return ValueTask.CompletedTask;
        }
        var list = PeerListMessage.Decode(body);
        DiscoveryLog.ListReceived(_log, from.RemoteId.Short, list.Peers.Count);
        foreach (var entry in list.Peers.Take(_node.Options.MaxExchangedPeers))
            _dialer.Consider(entry.Id, entry.Address, PeerSource.Exchanged);
        return ValueTask.CompletedTask;
    }
}
