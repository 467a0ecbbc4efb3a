using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Identity;
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
        sessions.Opened += session => _node.Work.Track(PushGroupsToAsync(session));
        outbox.AfterPass = PushChangedGroupsAsync;
    }

    private PeerId Me => _node.Identity.Id;

    private ChatStore Store => _node.Store;

    public IReadOnlyList<Group> Groups => Store.Groups();

    public Group Create(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("a group needs a name");
        var group = new Group(Guid.CreateVersion7(), name.Trim(), Me, 1,
            [new GroupMember(Me, _node.Port == 0 ? null : $"{_node.AdvertisedIp}:{_node.Port}", false)], true);
        Store.SaveGroup(group, Me);
        _node.Publish(new GroupChanged(_node.Now, group));
        return group;
    }

    public async Task<Group> ChangeMembersAsync(Guid groupId, PeerId member, bool removed)
    {
        var group = Store.FindGroup(groupId) ?? throw new ArgumentException($"unknown group {groupId}");
        if (group.Admin != Me)
            throw new InvalidOperationException($"only the group's admin ({group.Admin.Short}) can change its members");
        if (member == Me)
            throw new ArgumentException("the admin cannot add or remove itself");
        var address = _node.Peers.Find(member)?.Key.ToString() ?? _node.Trust.Find(member)?.LastAddress;
        var members = group.Members.Where(m => m.Id != member).Append(new GroupMember(member, address, removed)).ToList();
        var changed = group with { Version = group.Version + 1, Members = members };
        Store.SaveGroup(changed, Me);
        _node.Publish(new GroupChanged(_node.Now, changed));
        await PushStateAsync(changed).ConfigureAwait(false);
        return changed;
    }

    public void Leave(Guid groupId)
    {
        if (Store.FindGroup(groupId) is null)
            throw new ArgumentException($"unknown group {groupId}");
        Store.LeaveGroup(groupId);
        _node.Publish(new GroupChanged(_node.Now, Store.FindGroup(groupId)!));
    }

    /// <summary>Stores the message once, with an outbox row per member; members online get it at once.</summary>
    public async Task<GroupSendResult> SendAsync(Guid groupId, string text)
    {
        var group = Store.FindGroup(groupId) ?? throw new ArgumentException($"unknown group {groupId}");
        if (!group.IsMember || !group.HasMember(Me))
            throw new InvalidOperationException($"you are not a member of {group.Name}");
        var options = _node.Options;
        if (WireText.Utf8.GetByteCount(text) > options.MaxFrameBytes - GroupFrameOverhead)
            throw new ArgumentException($"message too long (the limit is {options.MaxFrameBytes - GroupFrameOverhead} bytes)");
        var recipients = group.Current.Where(m => m.Id != Me).Select(m => m.Id).ToList();
        var counts = Store.OutboxCounts(recipients.Select(Outbox.TargetOf));
        var waiting = recipients.ToDictionary(r => r, r => counts[Outbox.TargetOf(r)]);
        if (recipients.FirstOrDefault(r => waiting[r] >= options.MaxOutboxPerPeer) is { Value: not null } full)
            throw new InvalidOperationException($"the outbox for {full.Short} is full ({options.MaxOutboxPerPeer} messages waiting); nothing was sent");
        var id = Guid.CreateVersion7();
        var unticked = new StoredMessage(id, group.Conversation, true, Me.Value, $"{_node.AdvertisedIp}:{_node.Port}",
            options.Name, text, PeerProtocol.Secure, _node.Now, _node.Now, MessageState.Queued);
        // The clock tick and the message with its outbox rows: one write, committed in the store's next batch.
        var (sequence, lamport) = await Store.AppendGroupMessageAsync(unticked, groupId, recipients.Select(Outbox.TargetOf).ToList(), _node.Now)
            .ConfigureAwait(false);
        var stored = unticked with { Lamport = lamport };
        var frame = OutboxFrames.AsGroupMessage(stored);
        var sentNow = 0;
        foreach (var member in recipients)
        {
            // A member with nothing else waiting gets this one frame directly; others get their backlog in order.
            var sent = waiting[member] == 0 && _sessions.Find(member) is { } session
                ? await _outbox.SendDirectAsync(member, session, frame, sequence).ConfigureAwait(false)
                : await _outbox.FlushAsync(member).ConfigureAwait(false);
            if (sent)
                sentNow++;
        }
        if (sentNow > 0)
            await Store.MarkSentAsync([id], leaveOutbox: false).ConfigureAwait(false);
        _outbox.Kick();
        return new GroupSendResult(id, lamport, sentNow, recipients.Count - sentNow);
    }

    // The admin tells a member (current or removed) the state of every group it is in, whenever they connect.
    private async Task PushGroupsToAsync(SecureSession session)
    {
        foreach (var group in Store.Groups().Where(g => g.Admin == Me && g.Members.Any(m => m.Id == session.RemoteId)))
            await SendStateAsync(session, group).ConfigureAwait(false);
    }

    private async Task PushStateAsync(Group group)
    {
        _pushedVersion[group.Id] = group.Version;
        foreach (var member in group.Members.Where(m => m.Id != Me))
        {
            if (_sessions.Find(member.Id) is { } session)
                await SendStateAsync(session, group).ConfigureAwait(false);
        }
    }

    // Changes made by another process (the `group` command) are pushed by the running node.
    private async Task PushChangedGroupsAsync()
    {
        foreach (var group in Store.Groups().Where(g => g.Admin == Me))
        {
            if (_pushedVersion.GetValueOrDefault(group.Id) < group.Version)
                await PushStateAsync(group).ConfigureAwait(false);
        }
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
        // Not acknowledged: a refused message is never "delivered".
        if (group is null || !group.IsMember)
        {
            _node.Reject(from.Address.ToString(), $"message for group {message.GroupId}, which this node is not in");
            return;
        }
        if (!group.HasMember(from.RemoteId))
        {
            _node.Reject(from.Address.ToString(), $"{from.RemoteId.Short} is not a member of {group.Name}");
            return;
        }
        // Under --accept trusted, a member is vouched for by a trusted admin (or by this node as the admin); a message
        // from a member nobody trusted waits as that member's contact request, like a 1:1 message would.
        var hold = _node.Options.Accept == AcceptPolicy.Trusted && _node.Trust.StateOf(from.RemoteId) != TrustState.Trusted
                   && group.Admin != Me && _node.Trust.StateOf(group.Admin) != TrustState.Trusted;
        if (hold && _node.ContactRequests.Admit(from.RemoteId, message.Text) is { } full)
        {
            _node.Reject(from.Address.ToString(), $"group message {message.Id} refused: {full}");
            return;
        }
        // Queued before the message: committed with it or before it.
        _ = Store.AdvanceClockAsync(group.Id, message.Lamport);
        var name = from.RemoteHello!.Name;
        var stored = new StoredMessage(message.Id, group.Conversation, false, from.RemoteId.Value, from.Address.ToString(), name,
            message.Text, PeerProtocol.Secure, message.SentAt, _node.Now, hold ? MessageState.Held : MessageState.Received) { Lamport = message.Lamport };
        var cost = await from.WaitForStoreAsync(message.Text).ConfigureAwait(false);
        Store.AppendReceivedChecked(stored, outcome =>
        {
            from.Unstored.Release(cost);
            var firstHeld = hold && _node.ContactRequests.Settle(from.RemoteId, message.Text, outcome.IsNew);
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
}
