using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Messaging;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>
/// Messages to a peer that is offline wait in the outbox, survive restarts of either side, arrive once
/// and in order when it returns, and are given up (and reported) when they cannot be delivered.
/// </summary>
public sealed class OfflineDeliveryTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _aDir = new();
    private readonly TempDirectory _bDir = new();

    public void Dispose()
    {
        _aDir.Dispose();
        _bDir.Dispose();
    }

    /// <summary>A sends to B once (so A knows B's ID and address), then B stops; returns B's port.</summary>
    private static async Task<(int Port, PeerId Id)> MeetThenStopAsync(StoredNode a, string bDir)
    {
        await using var b = await StoredNode.StartAsync("bob", bDir);
        var hello = await a.Node.SendAsync(b.Key, "hello");
        Assert.Equal(MessageState.Sent, hello.State);
        await a.Events.WaitFor<MessageDelivered>(d => d.MessageId == hello.MessageId, Long);
        var port = b.Port;
        var id = b.Identity.Id;
        await b.DisposeAsync();
        // Only once A has noticed is B offline for it; before, a send could still be written to the old session.
        await a.Events.WaitFor<SecurePeerDisconnected>(d => d.PeerId == id, Long);
        return (port, id);
    }

    private static async Task<List<SendResult>> SendAllAsync(ChatNode node, PeerKey to, params string[] texts)
    {
        var results = new List<SendResult>();
        foreach (var text in texts)
            results.Add(await node.SendAsync(to, text));
        return results;
    }

    private static IReadOnlyList<StoredMessage> Conversation(ChatStore store, PeerId peer) =>
        store.History(StoredMessage.ConversationOf(peer, default), 1000);

    [Fact]
    public async Task Messages_to_an_offline_peer_are_queued_and_arrive_once_in_order_when_it_returns()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        var (port, bId) = await MeetThenStopAsync(a, _bDir.Path);
        var bKey = new PeerKey(TestNodes.Loopback, port);

        var results = await SendAllAsync(a.Node, bKey, "one", "two", "three");

        Assert.All(results, r => Assert.Equal(MessageState.Queued, r.State));
        Assert.All(results, r => Assert.Equal(PeerProtocol.Secure, r.Protocol));
        Assert.All(results, r => Assert.False(r.Success));
        var ids = results.Select(r => r.MessageId!.Value).ToList();
        Assert.Equal(ids, a.Store.Outbox().Select(o => o.Message.Id));
        Assert.All(a.Store.Outbox(), o => Assert.Equal("peer:" + bId.Value, o.Target));

        await using var b = await StoredNode.StartAsync("bob", _bDir.Path, port);
        Assert.Equal(bId, b.Identity.Id);

        foreach (var id in ids)
            await a.Events.WaitFor<MessageDelivered>(d => d.MessageId == id, Long);
        await Task.WhenAll(results.Select(r => r.Delivered!)).WaitAsync(Long);
        Assert.Empty(a.Store.Outbox());
        Assert.All(ids, id => Assert.Equal(MessageState.Delivered, Conversation(a.Store, bId).Single(m => m.Id == id).State));

        // Each delivered once, in the order they were written, with the IDs A gave them. B's events reach its
        // subscribers from their own task, so the last one can follow A's ack: wait for it, then look at them all.
        await b.Events.WaitFor<MessageReceived>(m => m.MessageId == ids[^1], Long);
        var received = b.Events.All<MessageReceived>();
        Assert.Equal(["one", "two", "three"], received.Select(m => m.Text));
        Assert.Equal(ids, received.Select(m => m.MessageId!.Value));
        Assert.All(received, m => Assert.Equal(a.Identity.Id, m.PeerId));
        Assert.Equal(["hello", "one", "two", "three"], Conversation(b.Store, a.Identity.Id).Select(m => m.Text));
        // A's event follows the completion of the send's Delivered task (published after it, delivered by the bus's task).
        await a.Events.WaitFor<MessageDelivered>(d => d.MessageId == ids[0], Long);
        Assert.Single(a.Events.All<MessageDelivered>(), d => d.MessageId == ids[0]);
    }

    [Fact]
    public async Task A_backlog_longer_than_a_flush_page_arrives_whole_and_in_order()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        var (port, bId) = await MeetThenStopAsync(a, _bDir.Path);
        var bKey = new PeerKey(TestNodes.Loopback, port);
        // Past one page, so the flush on B's return reads the backlog in two.
        var texts = Enumerable.Range(1, Outbox.FlushPage + 5).Select(i => $"m{i}").ToArray();
        var results = await SendAllAsync(a.Node, bKey, texts);
        Assert.All(results, r => Assert.Equal(MessageState.Queued, r.State));

        await using var b = await StoredNode.StartAsync("bob", _bDir.Path, port);

        await Task.WhenAll(results.Select(r => r.Delivered!)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(a.Store.Outbox());
        Assert.Equal(["hello", .. texts], b.Store.History(StoredMessage.ConversationOf(a.Identity.Id, default), 5000).Select(m => m.Text));
        Assert.All(a.Store.History(StoredMessage.ConversationOf(bId, default), 5000), m => Assert.Equal(MessageState.Delivered, m.State));
    }

    [Fact]
    public async Task Queued_messages_survive_a_restart_of_the_sender()
    {
        int port;
        PeerId bId;
        List<Guid> ids;
        await using (var a = await StoredNode.StartAsync("alice", _aDir.Path))
        {
            (port, bId) = await MeetThenStopAsync(a, _bDir.Path);
            var results = await SendAllAsync(a.Node, new PeerKey(TestNodes.Loopback, port), "before restart 1", "before restart 2");
            Assert.All(results, r => Assert.Equal(MessageState.Queued, r.State));
            ids = results.Select(r => r.MessageId!.Value).ToList();
        }

        // A new process, as far as the node can tell: new node, database reopened, same identity.
        await using var a2 = await StoredNode.StartAsync("alice", _aDir.Path);
        Assert.Equal(ids, a2.Store.Outbox().Select(o => o.Message.Id));
        await using var b = await StoredNode.StartAsync("bob", _bDir.Path, port);

        foreach (var id in ids)
            await a2.Events.WaitFor<MessageDelivered>(d => d.MessageId == id && d.PeerId == bId, Long);
        Assert.Empty(a2.Store.Outbox());
        // B's events are delivered by their own task and can follow the ack A has already seen.
        await b.Events.WaitFor<MessageReceived>(m => m.MessageId == ids[^1], Long);
        Assert.Equal(["before restart 1", "before restart 2"], b.Events.All<MessageReceived>().Select(m => m.Text));
        Assert.Equal(ids, b.Events.All<MessageReceived>().Select(m => m.MessageId!.Value));
        Assert.Equal(["hello", "before restart 1", "before restart 2"], Conversation(b.Store, a2.Identity.Id).Select(m => m.Text));
    }

    [Fact]
    public async Task A_message_sent_by_peer_id_never_goes_to_another_peer_now_at_its_old_address()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        var (port, bId) = await MeetThenStopAsync(a, _bDir.Path);

        // Carol now runs where Bob used to, and writes to Alice: she is the contact last seen at that address.
        using var cDir = new TempDirectory();
        await using var c = await StoredNode.StartAsync("carol", cDir.Path, port);
        var hi = await c.Node.SendAsync(a.Key, "hi alice");
        await c.Events.WaitFor<MessageDelivered>(d => d.MessageId == hi.MessageId, Long);

        var result = await a.Node.SendAsync(bId, "for bob only");

        Assert.Equal(MessageState.Queued, result.State);
        var queued = Assert.Single(a.Store.Outbox());
        Assert.Equal("peer:" + bId.Value, queued.Target);
        Assert.Equal(bId.Value, queued.Message.PeerId);
        Assert.DoesNotContain(Conversation(a.Store, c.Identity.Id), m => m.Outgoing);

        // Bob comes back elsewhere and says hello: now it reaches him, and only him.
        await using var b = await StoredNode.StartAsync("bob", _bDir.Path);
        await b.Node.SendAsync(a.Key, "back again");
        await b.Events.WaitFor<MessageReceived>(m => m.Text == "for bob only", Long);
        await a.Events.WaitFor<MessageDelivered>(d => d.MessageId == result.MessageId && d.PeerId == bId, Long);
        Assert.DoesNotContain(c.Events.All<MessageReceived>(), m => m.Text == "for bob only");
        Assert.Empty(c.Store.Search("bob", 10));
    }

    [Fact]
    public async Task A_message_sent_by_peer_id_waits_when_a_stranger_answers_at_its_old_address()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path);
        var (port, bId) = await MeetThenStopAsync(a, _bDir.Path);
        using var cDir = new TempDirectory();
        await using var c = await StoredNode.StartAsync("carol", cDir.Path, port);

        var result = await a.Node.SendAsync(bId, "still for bob");

        // The handshake showed it is not Bob: nothing is sent, the message waits for him.
        Assert.Equal(MessageState.Queued, result.State);
        await a.Events.WaitFor<PeerRefused>(r => r.PeerId == c.Identity.Id, Long);
        Assert.Equal("peer:" + bId.Value, Assert.Single(a.Store.Outbox()).Target);
        Assert.Empty(c.Events.All<MessageReceived>());
        Assert.Empty(c.Store.History(null, 10));
    }

    [Fact]
    public async Task A_resend_after_a_lost_ack_is_acknowledged_again_but_stored_and_shown_once()
    {
        await using var node = await StoredNode.StartAsync("node", _aDir.Path);
        using var identity = NodeIdentity.CreateEphemeral();
        var acks = Channel.CreateUnbounded<Guid>();

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, node.Port);
        var (ssl, remoteId) = await TlsHandshake.ConnectAsync(tcp.GetStream(), identity, node.Identity.Id, Long, CancellationToken.None);
        var session = new SecureSession(ssl, remoteId, (IPEndPoint)tcp.Client.RemoteEndPoint!, initiator: true,
            FrameCodec.DefaultMaxFrameBytes, TimeProvider.System)
        {
            OnFrame = (_, type, body) =>
            {
                if (type == FrameType.Ack)
                    acks.Writer.TryWrite(AckMessage.Decode(body).MessageId);
                return ValueTask.CompletedTask;
            },
        };
        try
        {
            var hello = await session.OpenAsync(new HelloMessage(HelloMessage.CurrentVersion, 5555, 0, "raw"), Long, CancellationToken.None);
            Assert.Equal("node", hello.Name);
            var message = ChatMessage.Create("exactly once");

            await session.SendChatAsync(message);
            Assert.Equal(message.Id, await acks.Reader.ReadAsync().AsTask().WaitAsync(Long));
            // The ack was "lost": the sender does not know, so it sends the same message again.
            await session.SendChatAsync(message);
            Assert.Equal(message.Id, await acks.Reader.ReadAsync().AsTask().WaitAsync(Long));

            // Events reach subscribers from the node's bus task, possibly after the acks. A later message is shown
            // after anything the resend could have shown (same session, same bus): once it is seen, count.
            var marker = ChatMessage.Create("after the resend");
            await session.SendChatAsync(marker);
            Assert.Equal(marker.Id, await acks.Reader.ReadAsync().AsTask().WaitAsync(Long));
            await node.Events.WaitFor<MessageReceived>(m => m.MessageId == marker.Id, Long);
            var received = Assert.Single(node.Events.All<MessageReceived>(), m => m.MessageId == message.Id);
            Assert.Equal("exactly once", received.Text);
            Assert.Equal(identity.Id, received.PeerId);
            var stored = Assert.Single(node.Store.History(null, 100), m => m.Id == message.Id);
            Assert.Equal(StoredMessage.ConversationOf(identity.Id, default), stored.Conversation);
            Assert.False(acks.Reader.TryRead(out _));
        }
        finally
        {
            await session.CloseAsync(sayBye: true);
        }
    }

    [Fact]
    public async Task A_message_to_an_unreachable_legacy_peer_is_retried_then_failed_and_reported()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path, configure: o => o with { LegacyRetries = 2 });
        var dead = new PeerKey(TestNodes.Loopback, TestNodes.DeadPort());

        var result = await a.Node.SendAsync(dead, "anyone there?");

        Assert.Equal(MessageState.Queued, result.State);
        Assert.Equal(PeerProtocol.Legacy, result.Protocol);
        var id = result.MessageId!.Value;
        var failed = await a.Events.WaitFor<MessageFailed>(f => f.MessageId == id, Long);
        Assert.Equal(dead, failed.To);
        Assert.Contains("after 2 tries", failed.Reason);

        var stored = Assert.Single(a.Store.History(StoredMessage.ConversationOf(null, dead), 10));
        Assert.Equal(MessageState.Failed, stored.State);
        Assert.Equal(failed.Reason, stored.Error);
        Assert.True(stored.Outgoing);
        Assert.Empty(a.Store.Outbox());
        Assert.Single(a.Events.All<MessageFailed>());
    }

    /// <summary>A peer A has seen before (a contact at a known address) that is not running now.</summary>
    private static (PeerId Id, PeerKey Address) OfflineContact(StoredNode node)
    {
        using var ghost = NodeIdentity.CreateEphemeral();
        var address = new PeerKey(TestNodes.Loopback, TestNodes.DeadPort());
        node.Node.Trust.RecordContact(ghost.Id, "ghost", address.ToString(), DateTimeOffset.UtcNow);
        return (ghost.Id, address);
    }

    [Fact]
    public async Task A_full_outbox_refuses_the_next_message_and_stores_nothing_for_it()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path, configure: o => o with { MaxOutboxPerPeer = 2 });
        var (ghost, address) = OfflineContact(a);

        var results = await SendAllAsync(a.Node, address, "first", "second", "third");

        Assert.Equal([MessageState.Queued, MessageState.Queued, MessageState.Failed], results.Select(r => r.State));
        Assert.Contains("full", results[2].Error);
        Assert.Null(results[2].MessageId);
        Assert.Equal(["first", "second"], Conversation(a.Store, ghost).Select(m => m.Text));
        Assert.Empty(a.Store.Search("third", 10));
        Assert.Equal(2, a.Store.OutboxCount("peer:" + ghost.Value));
        await a.Events.WaitFor<SendFailed>(f => f.To == address && f.Reason.Contains("full"));
    }

    [Fact]
    public async Task The_outbox_limit_holds_for_an_unreachable_legacy_peer_too()
    {
        // Many tries, far apart: the first two messages are still waiting when the third is sent.
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path, configure: o => o with
        {
            MaxOutboxPerPeer = 2,
            LegacyRetries = 100,
            ReconnectInitialDelay = TimeSpan.FromSeconds(30),
        });
        var dead = new PeerKey(TestNodes.Loopback, TestNodes.DeadPort());

        var results = await SendAllAsync(a.Node, dead, "first", "second", "third");

        Assert.Equal([MessageState.Queued, MessageState.Queued, MessageState.Failed], results.Select(r => r.State));
        Assert.Contains("full", results[2].Error);
        Assert.Equal(["first", "second"], a.Store.History(StoredMessage.ConversationOf(null, dead), 10).Select(m => m.Text));
        Assert.Equal(2, a.Store.OutboxCount("legacy:" + dead));
    }

    [Fact]
    public async Task A_message_older_than_the_maximum_age_is_given_up_and_reported()
    {
        await using var a = await StoredNode.StartAsync("alice", _aDir.Path, configure: o => o with { MaxMessageAge = TimeSpan.FromMilliseconds(200) });
        var (ghost, address) = OfflineContact(a);

        var result = await a.Node.SendAsync(address, "too late");

        Assert.Equal(MessageState.Queued, result.State);
        var id = result.MessageId!.Value;
        var failed = await a.Events.WaitFor<MessageFailed>(f => f.MessageId == id, Long);
        Assert.Equal(address, failed.To);
        await Assert.ThrowsAsync<IOException>(() => result.Delivered!.WaitAsync(Long));
        var stored = Assert.Single(Conversation(a.Store, ghost));
        Assert.Equal(MessageState.Failed, stored.State);
        Assert.Equal(failed.Reason, stored.Error);
        Assert.Empty(a.Store.Outbox());
    }
}
