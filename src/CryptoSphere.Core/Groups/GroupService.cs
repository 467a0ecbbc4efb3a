using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Sessions;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Groups;

/// <summary>
/// Groups: membership belongs to the admin and reaches members as versioned GROUP_STATE frames over
/// authenticated sessions; messages go to each member directly, through the outbox when it is offline.
/// </summary>
internal sealed class GroupService
{
    private const int GroupFrameOverhead = 1 + 48;

    private readonly NodeRuntime _node;
    private readonly SessionRegistry _sessions;
    private readonly Outbox _outbox;
    private readonly CandidateDialer _dialer;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<Guid, long> _pushedVersion = new();

    public GroupService(NodeRuntime node, SessionRegistry sessions, Outbox outbox, CandidateDialer dialer, FrameRouter router)
    {
        _node = node;
        _sessions = sessions;
        _outbox = outbox;
        _dialer = dialer;
        _log = node.Logger<GroupService>();
        router.Handle(FrameType.GroupState, OnGroupStateAsync);
        router.Handle(FrameType.GroupMessage, OnGroupMessageAsync);
        router.Handle(FrameType.GroupRefused, OnGroupRefusedAsync);
        sessions.Opened += session => _node.Work.Track(PushGroupsToAsync(session));
        outbox.AfterPass = PushChangedGroupsAsync;
    }

    private PeerId Me => _node.Identity.Id;

    private ChatStore Store => _node.Store;

    public IReadOnlyList<Group> Groups => Store.Groups();

    public GroupResult<Group> Create(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return GroupResult.Failed<Group>(GroupFailure.Invalid, "a group needs a name");
        name = name.Trim();
        // The name every member sees is the one on the wire: a longer one would be cut there, and differ between them.
        if (WireText.Utf8.GetByteCount(name) > GroupStateMessage.MaxNameBytes)
            return GroupResult.Failed<Group>(GroupFailure.Invalid,
                $"a group name is at most {GroupStateMessage.MaxNameBytes} bytes of UTF-8 (this one is {WireText.Utf8.GetByteCount(name)})");
        if (name.Any(char.IsControl))
            return GroupResult.Failed<Group>(GroupFailure.Invalid, "a group name cannot contain control characters (line breaks, tabs, escapes)");
        // Commands find groups by name: two of one's own under one name could then be told apart only by ID.
        if (Store.Groups().FirstOrDefault(g => g.Admin == Me && string.Equals(g.Name.Trim(), name, StringComparison.OrdinalIgnoreCase)) is { } taken)
            return GroupResult.Failed<Group>(GroupFailure.Invalid, $"you already have a group called {taken.Name} ({taken.Id}); choose another name");
        var group = new Group(Guid.CreateVersion7(), name, Me, 1,
            [new GroupMember(Me, _node.Port == 0 ? null : $"{_node.AdvertisedIp}:{_node.Port}", false)], true);
        Store.SaveGroup(group, Me);
        _node.Publish(new GroupChanged(_node.Now, group));
        return GroupResult.Ok(group);
    }

    public async Task<GroupResult<Group>> ChangeMembersAsync(Guid groupId, PeerId member, bool removed)
    {
        if (Store.FindGroup(groupId) is not { } group)
            return GroupResult.Failed<Group>(GroupFailure.NotFound, $"unknown group {groupId}");
        if (group.Admin != Me)
            return GroupResult.Failed<Group>(GroupFailure.NotAllowed,
                $"only the group's admin ({MemberNames.Of(group.Admin, Me, _node.Trust)}) can change its members");
        // Leaving is final for the admin too: a change after it wrote this node back in (SaveGroup counts the admin as a
        // member) and sent its messages again, while every listing still said it had left (hunt-B D8).
        if (!group.IsMember)
            return GroupResult.Failed<Group>(GroupFailure.NotAllowed,
                $"you left {group.Name}; a group you left cannot be changed (its members keep it as it was)");
        // Said in the user's terms: "the admin cannot add or remove itself" left them to work out that the ID was their own.
        if (member == Me)
            return GroupResult.Failed<Group>(GroupFailure.Invalid, removed
                ? $"you cannot remove yourself from {group.Name}: you are its admin (to stop taking part, leave it)"
                : $"you cannot add yourself to {group.Name}: you are already in it, as its admin");
        // Already so: no new version, so members are not told the same membership again.
        if (group.HasMember(member) != removed)
            return GroupResult.Ok(group) with { Unchanged = true };
        var address = _node.Peers.Find(member)?.Key.ToString() ?? _node.Trust.Find(member)?.LastAddress;
        // A removal is an event of the group's order: the member's messages before it are kept by everyone, also where
        // they arrive after it; those after it are refused (protocol.md §13.3). The tick puts it after all this node has seen.
        var removedAt = removed ? Store.TickClock(groupId) : 0;
        var members = group.Members.Where(m => m.Id != member).Append(new GroupMember(member, address, removed, removedAt)).ToList();
        var changed = group with { Version = group.Version + 1, Members = members };
        Store.SaveGroup(changed, Me);
        _node.Publish(new GroupChanged(_node.Now, changed));
        await PushStateAsync(changed).ConfigureAwait(false);
        return GroupResult.Ok(changed);
    }

    public GroupResult<Group> Leave(Guid groupId)
    {
        if (Store.FindGroup(groupId) is not { } group)
            return GroupResult.Failed<Group>(GroupFailure.NotFound, $"unknown group {groupId}");
        // Left already (or removed): as adding a member already there, nothing is written and nobody is told.
        if (!group.IsMember)
            return GroupResult.Ok(group) with { Unchanged = true };
        Store.LeaveGroup(groupId);
        var left = Store.FindGroup(groupId)!;
        _node.Publish(new GroupChanged(_node.Now, left));
        return GroupResult.Ok(left);
    }

    /// <summary>Stores the message once, with an outbox row per member; members online get it at once.</summary>
    public async Task<GroupSendResult> SendAsync(Guid groupId, string text)
    {
        if (Store.FindGroup(groupId) is not { } group)
            return GroupSendResult.Failed(GroupFailure.NotFound, $"unknown group {groupId}");
        if (!group.IsMember || !group.HasMember(Me))
            return GroupSendResult.Failed(GroupFailure.NotAllowed, $"you are not a member of {group.Name}");
        var options = _node.Options;
        if (WireText.Utf8.GetByteCount(text) > options.MaxFrameBytes - GroupFrameOverhead)
            return GroupSendResult.Failed(GroupFailure.Invalid, $"message too long (the limit is {options.MaxFrameBytes - GroupFrameOverhead} bytes)");
        // A change another process made (the `group add` command) reaches the members before this message does: a
        // member just added would otherwise get a message for a group it does not know yet, and not take it.
        if (group.Admin == Me && _pushedVersion.GetValueOrDefault(groupId) < group.Version)
            await PushStateAsync(group).ConfigureAwait(false);
        var recipients = group.Current.Where(m => m.Id != Me).Select(m => m.Id).ToList();
        var counts = Store.OutboxCounts(recipients.Select(Outbox.TargetOf));
        var waiting = recipients.ToDictionary(r => r, r => counts[Outbox.TargetOf(r)]);
        if (recipients.FirstOrDefault(r => waiting[r] >= options.MaxOutboxPerPeer) is { Value: not null } full)
            return GroupSendResult.Failed(GroupFailure.Full,
                $"the outbox for {MemberNames.Of(full, Me, _node.Trust)} is full ({options.MaxOutboxPerPeer} messages waiting); nothing was sent");
        var id = MessageIds.NewV7();
        var unticked = new StoredMessage(id, group.Conversation, true, Me.Value, $"{_node.AdvertisedIp}:{_node.Port}",
            options.Name, text, PeerProtocol.Secure, _node.Now, _node.Now, MessageState.Queued);
        // The clock tick and the message with its outbox rows: one write, committed in the store's next batch.
        var (sequence, lamport) = await Store.AppendGroupMessageAsync(unticked, groupId, recipients.Select(Outbox.TargetOf).ToList(), _node.Now)
            .ConfigureAwait(false);
        var stored = unticked with { Lamport = lamport };
        var frame = OutboxFrames.AsGroupMessage(PendingFrame.Of(stored));
        var sent = await Task.WhenAll(recipients.Select(member => SendToMemberAsync(member, waiting[member] == 0, frame, sequence, stored)))
            .ConfigureAwait(false);
        var sentNow = sent.Count(written => written);
        if (sentNow > 0)
            await Store.MarkSentAsync([sequence]).ConfigureAwait(false);
        _outbox.Kick();
        return new GroupSendResult(id, lamport, sentNow, recipients.Count - sentNow);
    }

    private async Task<bool> SendToMemberAsync(PeerId member, bool nothingWaiting, GroupChatMessage frame, long sequence, StoredMessage stored)
    {
        // A member with nothing else waiting gets this one frame directly; others get their backlog in order.
        if (nothingWaiting && _sessions.Find(member) is { } session)
            return await _outbox.SendDirectAsync(member, session, frame, sequence).ConfigureAwait(false);
        if (await _outbox.FlushAsync(member).ConfigureAwait(false))
            return true;
        // A one-off command's node has no outbox loop to reach members later: it connects to them now, as `send` does.
        return !_outbox.Running && await _outbox.DialAndFlushAsync(member, stored).ConfigureAwait(false);
    }

    private static async Task RefuseAsync(SecureSession to, Guid messageId, long version, GroupRefusal reason)
    {
        try
        {
            await to.SendAsync(new GroupRefusedMessage(messageId, version, reason), static (m, w) => m.Encode(w)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Gone: the author sends the message again when it is back, and is refused again.
        }
    }

    // A member will never take this message: that recipient's delivery ends as failed, with why, unless the member
    // is only behind (an older version than ours): then it takes it once the admin's newer state reaches it.
    private async ValueTask OnGroupRefusedAsync(SecureSession from, ReadOnlySequence<byte> body)
    {
        var refused = GroupRefusedMessage.Decode(body);
        if (!Conversations.ConversationId.TryParse(Store.ConversationOfOutgoing(refused.MessageId), out var conversation)
            || conversation.GroupId is not { } groupId || Store.FindGroup(groupId) is not { } group || refused.Version < group.Version)
            return;
        var who = MemberNames.Of(from.RemoteId, Me, _node.Trust);
        var reason = refused.Reason switch
        {
            GroupRefusal.NotAMember => $"{who} is no longer in {group.Name} (left or removed)",
            GroupRefusal.AuthorNotAMember => $"{who} does not count you as a member of {group.Name}",
            _ => $"{who} refused it (code {(int)refused.Reason})",
        };
        // Through the store's batching writer, like the acknowledgement it stands in for.
        if (await Store.FailRecipientAsync(refused.MessageId, Outbox.TargetOf(from.RemoteId), reason, _node.Now).ConfigureAwait(false))
        {
            GroupLog.Refused(_log, refused.MessageId, from.RemoteId.Short, reason);
            _node.Publish(new MessageFailed(_node.Now, from.Address, refused.MessageId, reason));
        }
    }

    // The admin tells a member (current or removed) the state of every group it is in, whenever they connect.
    private async Task PushGroupsToAsync(SecureSession session)
    {
        foreach (var (id, _) in Store.GroupVersionsAdministeredBy(Me))
        {
            if (Store.FindGroup(id) is { } group && group.Members.Any(m => m.Id == session.RemoteId))
                await SendStateAsync(session, group).ConfigureAwait(false);
        }
    }

    private async Task PushStateAsync(Group group)
    {
        foreach (var member in group.Members.Where(m => m.Id != Me))
        {
            if (_sessions.Find(member.Id) is { } session)
                await SendStateAsync(session, group).ConfigureAwait(false);
        }
        // Only once written: a group send that finds this version pushed must find it on every member's session, ahead
        // of its message (a push running meanwhile at worst sends the state twice; a member keeps one).
        _pushedVersion[group.Id] = group.Version;
    }

    // Changes made by another process (the `group` command) are pushed by the running node; true when one was.
    private async Task<bool> PushChangedGroupsAsync()
    {
        var pushed = false;
        // Versions only: a group's members are read (or taken from the store's copy) only when it changed.
        foreach (var (id, version) in Store.GroupVersionsAdministeredBy(Me))
        {
            if (_pushedVersion.GetValueOrDefault(id) < version && Store.FindGroup(id) is { } group)
            {
                await PushStateAsync(group).ConfigureAwait(false);
                pushed = true;
            }
        }
        return pushed;
    }

    private static async Task SendStateAsync(SecureSession session, Group group)
    {
        try
        {
            await session.SendAsync(group, static (g, w) => GroupStateMessage.Encode(g, w)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // It goes again when the member reconnects.
        }
    }

    private ValueTask OnGroupStateAsync(SecureSession from, ReadOnlySequence<byte> body)
    {
        var state = GroupStateMessage.Decode(body);
        var known = Store.FindGroup(state.Id);
        var admin = known?.Admin ?? state.Admin;
        if (from.RemoteId != admin || state.Admin != admin)
        {
            _node.Reject(from.Address.ToString(), $"membership change for group {state.Name} from {from.RemoteId.Short}, who is not its admin");
            return ValueTask.CompletedTask;
        }
        // A peer that is not trusted may make this node keep only so many groups of its own.
        if (known is null && _node.Trust.StateOf(admin) != TrustState.Trusted
            && Store.GroupsAdministeredBy(admin) >= _node.Options.MaxGroupsPerUntrustedAdmin)
        {
            _node.Reject(from.Address.ToString(),
                $"group {state.Name} from {from.RemoteId.Short} refused: it already has {_node.Options.MaxGroupsPerUntrustedAdmin} groups on this node and is not trusted");
            return ValueTask.CompletedTask;
        }
        if (!Store.SaveGroup(state, Me))
            return ValueTask.CompletedTask;
        var saved = Store.FindGroup(state.Id)!;
        GroupLog.Changed(_log, saved.Name, saved.Version, saved.IsMember);
        _node.Publish(new GroupChanged(_node.Now, saved));
        if (saved.IsMember)
        {
            foreach (var member in saved.Current.Where(m => m.Address is not null))
            {
                if (PeerKey.TryParse(member.Address, out var address, out _))
                    _dialer.Consider(member.Id, address, PeerSource.Exchanged, causedBy: from.RemoteId);
            }
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask OnGroupMessageAsync(SecureSession from, ReadOnlySequence<byte> body)
    {
        var message = GroupChatMessage.Decode(body);
        var group = Store.FindGroup(message.GroupId);
        // Not acknowledged: a refused message is never "delivered". A group not known at all may be one whose state
        // has not reached this node yet: the author keeps the message. For a known group the refusal is told, with this
        // node's version, so that the author stops sending it here (protocol.md §5.11).
        if (!Admits(group, message.GroupId, from.RemoteId, message.Lamport, message.Id, out var refusal))
        {
            _node.Reject(from.Address.ToString(), refusal);
            if (group is not null)
                await RefuseAsync(from, message.Id, group.Version, group.IsMember ? GroupRefusal.AuthorNotAMember : GroupRefusal.NotAMember)
                    .ConfigureAwait(false);
            return;
        }
        var hold = !Vouched(group, from.RemoteId);
        if (hold && _node.ContactRequests.Admit(from.RemoteId, message.Id, message.Text) is { } full)
        {
            _node.Reject(from.Address.ToString(), $"group message {message.Id} refused: {full}");
            return;
        }
        var name = from.RemoteHello!.Name;
        var stored = new StoredMessage(message.Id, group.Conversation, false, from.RemoteId.Value, from.Address.ToString(), name,
            message.Text, PeerProtocol.Secure, message.SentAt, _node.Now, hold ? MessageState.Held : MessageState.Received) { Lamport = message.Lamport };
        await _node.Pacing.WaitAsync(from, from.RemoteId, message.Text.Length).ConfigureAwait(false);
        var cost = await from.WaitForStoreAsync(message.Text).ConfigureAwait(false);
        Store.AppendReceivedChecked(stored, outcome =>
        {
            from.Unstored.Release(cost);
            var firstHeld = hold && _node.ContactRequests.Settle(from.RemoteId, message.Id, outcome.IsNew);
            if (outcome.Refusal is { } refusal)
            {
                _node.Reject(from.Address.ToString(), $"group message {message.Id} from {from.RemoteId.Short} not stored: {refusal}");
                return; // not acknowledged: its author is never told "delivered"
            }
            if (outcome.IsNew && hold)
            {
                if (firstHeld)
                    _node.Publish(new ContactRequestReceived(_node.Now, from.Address, from.RemoteId, name, message.Text));
            }
            else if (outcome.IsNew)
                _node.Publish(new GroupMessageReceived(_node.Now, group.Id, group.Name, from.Address, from.RemoteId, name, message.Text, message.Id, message.Lamport));
            _ = from.AcknowledgeAsync(message.Id);
        });
    }

    // Whether a member's message for the group may be taken: this node is in it, and its author was at the message's
    // Lamport time (a current member, or one removed after it), the same answer on every member whenever it arrives.
    private bool Admits([NotNullWhen(true)] Group? group, Guid groupId, PeerId author, long lamport, Guid messageId, [NotNullWhen(false)] out string? refusal)
    {
        refusal = group is null || !group.IsMember ? $"message for group {groupId}, which this node is not in"
            : !group.Admits(author, lamport) ? $"{author.Short} is not a member of {group.Name}"
            : null;
        if (refusal is null && !group!.HasMember(author))
            GroupLog.TakenBeforeRemoval(_log, messageId, author.Short, group.Name, lamport, group.Members.First(m => m.Id == author).RemovedAtLamport);
        return refusal is null;
    }

    // Under --accept trusted, a member is vouched for by a trusted admin (or by this node as the admin); a message
    // from a member nobody trusted waits as that member's contact request, like a 1:1 message would.
    private bool Vouched(Group group, PeerId author) =>
        _node.Options.Accept != AcceptPolicy.Trusted || _node.Trust.StateOf(author) == TrustState.Trusted
        || group.Admin == Me || _node.Trust.StateOf(group.Admin) == TrustState.Trusted;

    /// <summary>
    /// A group message a mailbox held for this node, sealed and signed by <paramref name="author"/>: kept as if it
    /// had come directly (same checks, Lamport clock, store and event; shown once if it came both ways). False
    /// leaves it at the mailbox unanswered: not a member, or a member nobody vouched for (its request goes directly).
    /// </summary>
    public async Task<bool> KeepSealedAsync(PeerId author, PeerKey? address, string name, EnvelopePayload payload, PeerId mailbox)
    {
        var group = Store.FindGroup(payload.ConversationId);
        if (!Admits(group, payload.ConversationId, author, payload.Lamport, payload.MessageId, out var refusal))
        {
            GroupLog.SealedRefused(_log, payload.MessageId, refusal);
            return false;
        }
        if (!Vouched(group, author))
            return false;
        var stored = new StoredMessage(payload.MessageId, group.Conversation, false, author.Value, address?.ToString() ?? $"mailbox {mailbox.Short}", name,
            payload.Text, PeerProtocol.Secure, payload.SentAt, _node.Now, MessageState.Received) { Lamport = payload.Lamport };
        var outcome = await Store.AppendReceivedCheckedAsync(stored).ConfigureAwait(false);
        if (outcome.Refusal is { } notStored)
        {
            GroupLog.SealedRefused(_log, payload.MessageId, notStored);
            return false;
        }
        if (outcome.IsNew)
            _node.Publish(new GroupMessageReceived(_node.Now, group.Id, group.Name, address ?? default, author, name, payload.Text, payload.MessageId, payload.Lamport));
        return true;
    }
}
