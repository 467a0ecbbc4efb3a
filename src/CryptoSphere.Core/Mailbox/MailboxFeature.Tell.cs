using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// What the node tells connected peers between session openings (docs/protocol.md §19.6): our mailbox list
/// (MAILBOX_INFO) to a peer trusted during its session, and to every connected trusted peer when the list changes;
/// as a mailbox, that envelopes it held were dropped. A session opening was the only moment before, so a mailbox
/// named while contacts were connected went unused until they happened to reconnect.
/// </summary>
internal sealed partial class MailboxFeature
{
    private enum Due
    {
        Nothing,
        /// <summary>Trusted, but nothing done on this session yet: as if it opened now.</summary>
        Opened,
        /// <summary>Told on this session, but our mailbox list changed since.</summary>
        List,
    }

    // Per trusted peer with a live session: that session, and our mailbox list as we last told it there.
    private readonly Dictionary<PeerId, (SecureSession Session, string Used)> _told = new();
    private readonly Lock _toldGate = new();

    // Our mailbox list as one comparable string (the IDs in the order the directory lists them).
    private string UsedKey() => string.Join(' ', Store.Used().Select(u => u.Mailbox.Value));

    /// <summary>What <paramref name="session"/> still needs to hear, recorded as told (the caller then tells it).</summary>
    private Due Claim(SecureSession session, string used)
    {
        lock (_toldGate)
        {
            var due = !_told.TryGetValue(session.RemoteId, out var told) || told.Session != session ? Due.Opened
                : told.Used != used ? Due.List
                : Due.Nothing;
            if (due != Due.Nothing)
                _told[session.RemoteId] = (session, used);
            return due;
        }
    }

    private bool ToldAlready(SecureSession session, string used)
    {
        lock (_toldGate)
            return _told.TryGetValue(session.RemoteId, out var told) && told.Session == session && told.Used == used;
    }

    private void Told(SecureSession session, string used)
    {
        lock (_toldGate)
            _told[session.RemoteId] = (session, used);
    }

    private void OnEnded(SecureSession session)
    {
        lock (_toldGate)
        {
            if (_told.TryGetValue(session.RemoteId, out var told) && told.Session == session)
                _told.Remove(session.RemoteId);
        }
        _protocol.Client.Forget(session.RemoteId);
    }

    // A decision of this process (trust command through the node, menu, web): the next pass tells the peer at once.
    private void OnTrustChanged(PeerId id, TrustState state)
    {
        if (state == TrustState.Trusted && _sessions.Find(id) is not null)
            _wake.Wake();
    }

    /// <summary>
    /// Each pass: trusted peers with a live session that have not heard our current mailbox list. One trusted during
    /// its session is handled as if the session opened now (what it told us while untrusted is learned, it gets our
    /// list, and our receipts, request and fetch if it is one of our mailboxes); after <c>mailbox use</c> or
    /// <c>stop-using</c> every one gets the new list. Polling finds what another process changed (the <c>mailbox</c>
    /// and <c>trust</c> commands without a running node's socket write the databases directly); this process's own
    /// changes wake the loop, so they go out at once.
    /// </summary>
    private async Task TellPeersAsync()
    {
        var used = UsedKey();
        HashSet<PeerId>? trusted = null;
        foreach (var session in _sessions.All.ToList())
        {
            // Most passes find every peer told already: no database read per session (a node may hold thousands).
            if (!Speaks(session) || ToldAlready(session, used))
                continue;
            trusted ??= _node.Trust.Trusted().Select(c => c.Id).ToHashSet();
            if (!trusted.Contains(session.RemoteId))
                continue;
            switch (Claim(session, used))
            {
                case Due.Opened:
                    MailboxLog.ToldList(_log, session.RemoteId.Short, "trusted during the session");
                    _protocol.Client.LearnKept(session.RemoteId);
                    await OnOpenedAsync(session).ConfigureAwait(false);
                    break;
                case Due.List:
                    MailboxLog.ToldList(_log, session.RemoteId.Short, "our mailbox list changed");
                    await SendAsync(session, _protocol.Client.Info().Encode).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>
    /// As a mailbox: the senders with a live session whose envelopes we dropped without a receipt (stop-serving, the
    /// recipient's stop, expiry) are told now, so their "held by mailbox" ends (§19.6 step 3); the others when they connect.
    /// </summary>
    private async Task TellDroppedAsync()
    {
        foreach (var sender in Store.DroppedSenders())
        {
            if (_sessions.Find(sender) is not { } session || !Speaks(session))
                continue;
            try
            {
                await _protocol.Holder.TellDroppedAsync(sender, SenderOf(session)).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The session closed meanwhile: what was not told yet is told when the sender connects again.
            }
        }
    }

    private static async Task SendAsync(SecureSession session, Action<System.Buffers.IBufferWriter<byte>> encode)
    {
        try
        {
            await SenderOf(session)(encode).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The session closed meanwhile; the next one starts over.
        }
    }
}
