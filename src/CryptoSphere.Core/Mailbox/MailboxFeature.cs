using System.Collections.Concurrent;
using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Mailboxes in the node (docs/protocol.md §18): the agreement key and mailbox.db in the data directory, the
/// mailbox frames on every session with a trusted peer, and the sender's side of the outbox: a direct message
/// whose recipient is offline is sealed and left with the recipient's mailboxes, and stays in the outbox until
/// an ACK or a signed receipt says it arrived. A group message is sealed to each offline member the same way
/// (the outbox has a row per member), with its Lamport time inside. A node also connects to the mailboxes it
/// uses on its own, so it fetches what they hold without waiting for some other reason to talk to them.
/// </summary>
internal sealed partial class MailboxFeature : IDisposable
{
    private static readonly TimeSpan DialBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan UnansweredRetry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);

    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly SessionDialer _dialer;
    private readonly Outbox _outbox;
    private readonly GroupService _groups;
    private readonly ILogger _log;
    private readonly MailboxProtocol _protocol;
    private readonly ConcurrentDictionary<(Guid, PeerId, PeerId), DateTimeOffset> _left = new();
    private readonly ConcurrentDictionary<PeerId, DateTimeOffset> _lastDial = new();
    // Per mailbox of ours: the session on which we last asked it to hold our mail and fetched.
    private readonly ConcurrentDictionary<PeerId, SecureSession> _asked = new();
    private DateTimeOffset _lastSweep;
    private Task? _loop;
    private readonly StorePassWake _wake;

    public MailboxFeature(NodeRuntime node, SessionRegistry sessions, SessionDialer dialer, Outbox outbox, GroupService groups, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _dialer = dialer;
        _outbox = outbox;
        _groups = groups;
        _log = node.Logger<MailboxFeature>();
        var dataDirectory = node.Store.Path is { } path ? Path.GetDirectoryName(path) : null;
        Func<PeerId, bool> trusted = id => node.Trust.StateOf(id) == TrustState.Trusted;
        Key = dataDirectory is null ? AgreementKey.CreateEphemeral(node.Identity, node.Clock) : AgreementKey.LoadOrCreate(dataDirectory, node.Identity, node.Clock);
        Store = dataDirectory is null ? MailboxStore.OpenInMemory(trusted, node.Clock) : MailboxStore.Open(dataDirectory, trusted, node.Clock);
        // The chat database deduplicates by message ID (as for direct messages), so every envelope is "new" here.
        var client = new MailboxClient(node.Identity, Key, Store, new StoreDeduplicates(), _log, node.Clock)
        {
            OnMessage = KeepAsync,
            OnDelivered = receipt => _outbox.Acknowledged(receipt.MessageId, receipt.Recipient, AddressOf(receipt.Recipient) ?? default),
            OnPutAnswered = Answered,
            AddressOf = id => AddressOf(id)?.ToString(),
        };
        _protocol = new MailboxProtocol(node.Identity.Id, new MailboxHolder(Store, _log), client);
        router.Advertise(Capabilities.Mailbox);
        foreach (var type in MailboxProtocol.FrameTypes)
            router.Handle(type, (session, body) => _protocol.HandleAsync(session.RemoteId, type, body, SenderOf(session)));
        // Claimed here, so a pass that sees the session as well (MailboxFeature.Tell.cs) does not do it twice.
        sessions.Opened += session =>
        {
            if (!Speaks(session) || !trusted(session.RemoteId))
                return;
            var due = Claim(session, UsedKey());
            if (due == Due.Opened)
                node.Work.Track(OnOpenedAsync(session));
            else if (due == Due.List)
                node.Work.Track(SendAsync(session, _protocol.Client.Info().Encode));
        };
        sessions.Ended += OnEnded;
        // A message queued for a peer without a session may be left with its mailboxes: an idle loop looks at once.
        _wake = new StorePassWake(node.Options.OutboxCheckInterval, node.Options.IdleCheckInterval);
        node.Store.OutboxGrew += _wake.WakeIfIdle;
        // Trusting a connected peer, a change of our mailbox list and envelopes dropped here are told to connected
        // peers by the next pass (MailboxFeature.Tell.cs): these wake it at once.
        node.Trust.StateChanged += OnTrustChanged;
        Store.UsedChanged += _wake.Wake;
        Store.EnvelopesDropped += _wake.Wake;
    }

    public AgreementKey Key { get; }

    public MailboxStore Store { get; }

    public void Start() => _loop = Task.Run(LoopAsync);

    public Task Completion => _loop ?? Task.CompletedTask;

    private static bool Speaks(SecureSession session) => (session.RemoteHello?.Capabilities & Capabilities.Mailbox) != 0;

    private static FrameSender SenderOf(SecureSession session) => encode => session.SendAsync(encode, static (e, w) => e(w));

    private async Task OnOpenedAsync(SecureSession session)
    {
        Told(session, UsedKey());
        if (Store.Used().Any(u => u.Mailbox == session.RemoteId))
            _asked[session.RemoteId] = session;
        try
        {
            await _protocol.OnConnectedAsync(session.RemoteId, SenderOf(session)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The session closed meanwhile; the next one starts over.
        }
    }

    private async ValueTask<bool> KeepAsync(OpenedEnvelope opened, PeerId mailbox)
    {
        var author = opened.Author;
        // Sealed mail from a blocked peer, or from an untrusted one under --accept trusted (group messages: one no
        // trusted admin vouches for), is not taken (no receipt either): it stays at the mailbox until it expires.
        var trust = _node.Trust.StateOf(author);
        if (trust == TrustState.Blocked)
            return false;
        var address = AddressOf(author);
        var name = _node.Trust.Find(author)?.Name ?? author.Short;
        var payload = opened.Payload;
        if (payload.Kind == EnvelopeKind.Group)
            return await _groups.KeepSealedAsync(author, address, name, payload, mailbox).ConfigureAwait(false);
        if (payload.Kind != EnvelopeKind.Direct || (_node.Options.Accept == AcceptPolicy.Trusted && trust != TrustState.Trusted))
            return false;
        var stored = new StoredMessage(payload.MessageId, ConversationId.Peer(author).ToString(), false, author.Value,
            address?.ToString() ?? $"mailbox {mailbox.Short}", name, payload.Text, PeerProtocol.Secure, payload.SentAt, _node.Now, MessageState.Received);
        // Committed before the receipt goes back; a message that also came directly is stored and shown once.
        if (await _node.Store.AppendReceivedAsync(stored).ConfigureAwait(false))
            _node.Publish(new MessageReceived(_node.Now, address ?? default, name, payload.Text, PeerProtocol.Secure, author, payload.MessageId, payload.SentAt)
            {
                ArrivedLate = opened.Late,
            });
        return true;
    }

    private void Answered(Guid messageId, PeerId recipient, PeerId mailbox, PutOutcome outcome)
    {
        if (outcome is PutOutcome.Held or PutOutcome.AlreadyHeld)
            _node.Publish(new MessageHeldByMailbox(_node.Now, messageId, recipient, mailbox));
    }

    private PeerKey? AddressOf(PeerId id)
    {
        var text = _node.Peers.Find(id)?.Key.ToString() ?? _node.Trust.Find(id)?.LastAddress;
        return PeerKey.TryParse(text, out var address, out _) ? address : null;
    }

    private async Task LoopAsync()
    {
        var token = _node.Stopping;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _wake.PassStarting();
                var found = await ReachOwnMailboxesAsync(token).ConfigureAwait(false);
                await TellPeersAsync().ConfigureAwait(false);
                await TellDroppedAsync().ConfigureAwait(false);
                found |= await LeaveWaitingMessagesAsync(token).ConfigureAwait(false);
                if (_node.Now - _lastSweep > SweepInterval)
                {
                    Store.Sweep();
                    _lastSweep = _node.Now;
                }
                await _wake.WaitAsync(found, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException or Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                MailboxLog.PassFailed(_log, e.Message);
                try
                {
                    await Task.Delay(_node.Options.OutboxCheckInterval, _node.Clock, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    // Our own mailboxes we have no session with are dialled (at most every 30 s each): connecting is what
    // fetches our mail from them and hands them the receipts. One named (mailbox use) while a session with it was
    // already open is asked on that session.
    private async Task<bool> ReachOwnMailboxesAsync(CancellationToken token)
    {
        var found = false;
        foreach (var used in Store.Used())
        {
            found = true;
            if (_sessions.Find(used.Mailbox) is not { } live)
                await ReachAsync(new MailboxEntry(used.Mailbox, null), token).ConfigureAwait(false);
            else if (Speaks(live) && (!_asked.TryGetValue(used.Mailbox, out var asked) || asked != live))
                await OnOpenedAsync(live).ConfigureAwait(false);
        }
        return found;
    }

    // A message (direct, or a group message's copy for one member) waiting in the outbox for a peer with no live
    // session is sealed and left with each of the peer's mailboxes that can be reached, once per mailbox (again if unanswered).
    private async Task<bool> LeaveWaitingMessagesAsync(CancellationToken token)
    {
        var found = false;
        // Only the outboxes of peers without a session are read: a connected peer's backlog (thousands during a burst)
        // goes over its session, and reading it every pass cost as much as sending it.
        var waiting = _node.Store.OutboxTargets().Where(t => ConversationId.TryParse(t, out var c) && c.PeerId is { } p && _sessions.Find(p) is null);
        foreach (var (message, target, _) in waiting.ToList().SelectMany(t => _node.Store.Outbox(t)))
        {
            found = true;
            if (!ConversationId.TryParse(target, out var conversation)
                || conversation.PeerId is not { } recipient || _sessions.Find(recipient) is not null)
                continue;
            foreach (var entry in _protocol.Client.MailboxesOf(recipient))
            {
                if (entry.Mailbox == _node.Identity.Id || entry.Mailbox == recipient)
                    continue;
                if (_left.TryGetValue((message.Id, recipient, entry.Mailbox), out var at) && _node.Now - at < UnansweredRetry)
                    continue;
                if (Store.HeldBy(message.Id, recipient).Contains(entry.Mailbox))
                {
                    // Held there: connecting now and then is what brings the recipient's receipt back.
                    if (_sessions.Find(entry.Mailbox) is null)
                        await ReachAsync(entry, token).ConfigureAwait(false);
                    continue;
                }
                if (PayloadOf(message) is not { } payload)
                    break;
                if (await ReachAsync(entry, token).ConfigureAwait(false) is not { } session)
                    continue;
                var envelope = _protocol.Client.Seal(recipient, payload);
                if (envelope is null)
                    break;
                _left[(message.Id, recipient, entry.Mailbox)] = _node.Now;
                await _protocol.Client.PutAsync(envelope, message.Id, entry.Mailbox, SenderOf(session)).ConfigureAwait(false);
            }
        }
        return found;
    }

    // What the envelope carries: the group message with its Lamport time, or the direct message with its place
    // in the conversation (so the recipient restores the order whatever order a mailbox hands them over in).
    private EnvelopePayload? PayloadOf(StoredMessage message)
    {
        if (!message.IsGroup)
            return EnvelopePayload.Direct(message.Id, message.SentAt, message.Text, _node.Store.OutgoingPosition(message.Conversation, message.Sequence));
        return ConversationId.TryParse(message.Conversation, out var conversation) && conversation.GroupId is { } group
            ? EnvelopePayload.Group(group, message.Id, message.Lamport ?? 0, message.SentAt, message.Text)
            : null;
    }

    private async Task<SecureSession?> ReachAsync(MailboxEntry entry, CancellationToken token)
    {
        if (_sessions.Find(entry.Mailbox) is { } live)
            return live;
        if (_lastDial.TryGetValue(entry.Mailbox, out var last) && _node.Now - last < DialBackoff)
            return null;
        _lastDial[entry.Mailbox] = _node.Now;
        var address = AddressOf(entry.Mailbox) ?? (PeerKey.TryParse(entry.AddressHint, out var hint, out _) ? hint : null);
        if (address is null)
            return null;
        var dial = await _dialer.DialAsync(address.Value, entry.Mailbox, token).ConfigureAwait(false);
        return dial.Session;
    }

    public void Dispose()
    {
        _node.Trust.StateChanged -= OnTrustChanged;
        Store.Dispose();
        Key.Dispose();
        _wake.Dispose();
    }

    private sealed class StoreDeduplicates : ISeenMessages
    {
        public bool TryAdd(PeerId author, Guid messageId) => true;
    }
}
