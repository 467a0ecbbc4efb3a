using System.Buffers;
using System.Collections.Concurrent;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Core.Node;

// Groups: membership belongs to the admin and reaches members as versioned GROUP_STATE frames over
// authenticated sessions; messages go to each member directly, through the outbox when it is offline.
public sealed partial class ChatNode
{
    private const int GroupFrameOverhead = 1 + 48;

    private readonly ConcurrentDictionary<Guid, long> _pushedGroupVersion = new();

    partial void InitializeGroups()
    {
        Handle(FrameType.GroupState, OnGroupStateAsync);
        Handle(FrameType.GroupMessage, OnGroupMessageAsync);
    }

    public IReadOnlyList<Group> Groups => Store.Groups();

    public Group CreateGroup(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("a group needs a name");
        var group = new Group(Guid.CreateVersion7(), name.Trim(), Identity.Id, 1,
            [new GroupMember(Identity.Id, Port == 0 ? null : $"{AdvertisedIp}:{Port}", false)], true);
        Store.SaveGroup(group, Identity.Id);
        Raise(new GroupChanged(Now, group));
        return group;
    }

    public Task<Group> AddMemberAsync(Guid groupId, PeerId member) => ChangeMembersAsync(groupId, member, removed: false);

    public Task<Group> RemoveMemberAsync(Guid groupId, PeerId member) => ChangeMembersAsync(groupId, member, removed: true);

    private async Task<Group> ChangeMembersAsync(Guid groupId, PeerId member, bool removed)
    {
        var group = Store.FindGroup(groupId) ?? throw new ArgumentException($"unknown group {groupId}");
        if (group.Admin != Identity.Id)
            throw new InvalidOperationException($"only the group's admin ({group.Admin.Short}) can change its members");
        if (member == Identity.Id)
            throw new ArgumentException("the admin cannot add or remove itself");
        var address = Peers.Find(member)?.Key.ToString() ?? Trust.Find(member)?.LastAddress;
        var members = group.Members.Where(m => m.Id != member).Append(new GroupMember(member, address, removed)).ToList();
        var changed = group with { Version = group.Version + 1, Members = members };
        Store.SaveGroup(changed, Identity.Id);
        Raise(new GroupChanged(Now, changed));
        await PushGroupStateAsync(changed).ConfigureAwait(false);
        return changed;
    }

    public void LeaveGroup(Guid groupId)
    {
        if (Store.FindGroup(groupId) is null)
            throw new ArgumentException($"unknown group {groupId}");
        Store.LeaveGroup(groupId);
        Raise(new GroupChanged(Now, Store.FindGroup(groupId)!));
    }

    /// <summary>Stores the message once, with an outbox row per member; members online get it at once.</summary>
    public async Task<GroupSendResult> SendToGroupAsync(Guid groupId, string text)
    {
        var group = Store.FindGroup(groupId) ?? throw new ArgumentException($"unknown group {groupId}");
        if (!group.IsMember || !group.HasMember(Identity.Id))
            throw new InvalidOperationException($"you are not a member of {group.Name}");
        if (WireText.Utf8.GetByteCount(text) > _options.MaxFrameBytes - GroupFrameOverhead)
            throw new ArgumentException($"message too long (the limit is {_options.MaxFrameBytes - GroupFrameOverhead} bytes)");
        var recipients = group.Current.Where(m => m.Id != Identity.Id).Select(m => m.Id).ToList();
        var waiting = recipients.ToDictionary(r => r, r => Store.OutboxCount(TargetOf(r)));
        if (recipients.FirstOrDefault(r => waiting[r] >= _options.MaxOutboxPerPeer) is { Value: not null } full)
            throw new InvalidOperationException($"the outbox for {full.Short} is full ({_options.MaxOutboxPerPeer} messages waiting); nothing was sent");
        var lamport = Store.TickClock(groupId);
        var id = Guid.CreateVersion7();
        var stored = new StoredMessage(id, group.Conversation, true, Identity.Id.Value, $"{AdvertisedIp}:{Port}",
            _options.Name, text, PeerProtocol.Secure, Now, Now, MessageState.Queued) { Lamport = lamport };
        var sequence = Store.AppendOutgoing(stored, recipients.Select(TargetOf).ToList(), Now);
        var frame = AsGroupMessage(stored);
        var sentNow = 0;
        foreach (var member in recipients)
        {
            // A member with nothing else waiting gets this one frame directly; others get their backlog in order.
            var sent = waiting[member] == 0 && FindSession(member) is { } session
                ? await SendDirectAsync(member, session, frame, sequence).ConfigureAwait(false)
                : await FlushSecureAsync(member).ConfigureAwait(false);
            if (sent)
                sentNow++;
        }
        if (sentNow > 0)
            Store.MarkSent(id, leaveOutbox: false);
        KickOutbox();
        return new GroupSendResult(id, lamport, sentNow, recipients.Count - sentNow);
    }

    private async Task<bool> SendDirectAsync(PeerId member, SecureSession session, GroupChatMessage frame, long sequence)
    {
        var target = TargetOf(member);
        var gate = _flushLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await session.SendAsync(frame, static (m, w) => m.Encode(w)).ConfigureAwait(false);
            _flushed.AddOrUpdate(target, (session, sequence), (_, f) => f.Session == session ? (session, Math.Max(f.Sequence, sequence)) : (session, sequence));
            return true;
        }
        catch (IOException)
        {
            return false; // the outbox sends it when the member is back
        }
        finally
        {
            gate.Release();
        }
    }

    private static ChatMessage? AsChat(StoredMessage message) =>
        message.IsGroup ? null : new ChatMessage(message.Id, message.SentAt, message.Text);

    private static GroupChatMessage AsGroupMessage(StoredMessage message) =>
        new(Guid.Parse(message.Conversation[StoredMessage.GroupPrefix.Length..]), message.Id, message.Lamport ?? 0, message.SentAt, message.Text);

    // The admin tells a member (current or removed) the state of every group it is in, whenever they connect.
    private async Task PushGroupsToAsync(SecureSession session)
    {
        foreach (var group in Store.Groups().Where(g => g.Admin == Identity.Id && g.Members.Any(m => m.Id == session.RemoteId)))
            await SendStateAsync(session, group).ConfigureAwait(false);
    }

    private async Task PushGroupStateAsync(Group group)
    {
        _pushedGroupVersion[group.Id] = group.Version;
        foreach (var member in group.Members.Where(m => m.Id != Identity.Id))
        {
            if (FindSession(member.Id) is { } session)
                await SendStateAsync(session, group).ConfigureAwait(false);
        }
    }

    // Changes made by another process (the `group` command) are pushed by the running node.
    private async Task PushChangedGroupsAsync()
    {
        foreach (var group in Store.Groups().Where(g => g.Admin == Identity.Id))
        {
            if (_pushedGroupVersion.GetValueOrDefault(group.Id) < group.Version)
                await PushGroupStateAsync(group).ConfigureAwait(false);
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
            Reject(from.Address.ToString(), $"membership change for group {state.Name} from {from.RemoteId.Short}, who is not its admin");
            return ValueTask.CompletedTask;
        }
        if (!Store.SaveGroup(state, Identity.Id))
            return ValueTask.CompletedTask;
        var saved = Store.FindGroup(state.Id)!;
        _log.LogInformation("Group {Name} is at version {Version}; member: {Member}", saved.Name, saved.Version, saved.IsMember);
        Raise(new GroupChanged(Now, saved));
        if (saved.IsMember)
        {
            foreach (var member in saved.Current.Where(m => m.Address is not null))
            {
                if (PeerKey.TryParse(member.Address, out var address, out _))
                    ConsiderCandidate(member.Id, address, PeerSource.Exchanged);
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
            Reject(from.Address.ToString(), $"message for group {message.GroupId}, which this node is not in");
            return;
        }
        if (!group.HasMember(from.RemoteId))
        {
            Reject(from.Address.ToString(), $"{from.RemoteId.Short} is not a member of {group.Name}");
            return;
        }
        Store.TickClock(group.Id, message.Lamport);
        var name = from.RemoteHello!.Name;
        var stored = new StoredMessage(message.Id, group.Conversation, false, from.RemoteId.Value, from.Address.ToString(), name,
            message.Text, PeerProtocol.Secure, message.SentAt, Now, MessageState.Received) { Lamport = message.Lamport };
        var cost = Limits.UnstoredBudget.CostOf(message.Text);
        await WaitForStoreAsync(from, cost).ConfigureAwait(false);
        Store.AppendReceivedChecked(stored, outcome =>
        {
            from.Unstored.Release(cost);
            if (outcome.Refusal is { } refusal)
            {
                Reject(from.Address.ToString(), $"group message {message.Id} from {from.RemoteId.Short} not stored: {refusal}");
                return;
            }
            if (outcome.IsNew)
                Raise(new GroupMessageReceived(Now, group.Id, group.Name, from.Address, from.RemoteId, name, message.Text, message.Id, message.Lamport));
            _ = from.SendAckAsync(message.Id).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        });
    }
}
