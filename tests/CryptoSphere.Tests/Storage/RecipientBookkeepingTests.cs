using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// Outbox bookkeeping the node does per recipient, on the store alone: a recipient refusing for good, a
/// legacy-addressed message moving to a secure peer, and the queries that place an outgoing message.
/// </summary>
public sealed class RecipientBookkeepingTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly ChatStore _store = ChatStore.OpenInMemory();

    public void Dispose() => _store.Dispose();

    private static StoredMessage Outgoing(string text, string conversation, PeerProtocol protocol = PeerProtocol.Secure) =>
        new(Guid.CreateVersion7(), conversation, true, null, "127.0.0.1:4000", "bob", text, protocol, T0, T0, MessageState.Queued);

    private StoredMessage Stored(Guid id) => _store.History(null, int.MaxValue).Single(m => m.Id == id);

    private IReadOnlyList<string> WaitingFor(Guid id) =>
        _store.Outbox().Where(r => r.Message.Id == id).Select(r => r.Target).Order().ToList();

    private StoredMessage GroupMessage()
    {
        var message = Outgoing("to the group", "group:team");
        _store.AppendOutgoing(message, ["peer:A", "peer:B"], T0);
        _store.MarkSent(message.Id, leaveOutbox: false);
        return message;
    }

    [Fact]
    public void A_group_message_every_recipient_refused_is_failed_with_every_reason()
    {
        var message = GroupMessage();

        Assert.True(_store.FailRecipient(message.Id, "peer:A", "A left", T0));
        Assert.Equal(MessageState.Sent, Stored(message.Id).State);
        Assert.Equal(["peer:B"], WaitingFor(message.Id));

        Assert.True(_store.FailRecipient(message.Id, "peer:B", "B left", T0));
        var failed = Stored(message.Id);
        Assert.Equal(MessageState.Failed, failed.State);
        Assert.Equal("A left; B left", failed.Error);
        Assert.Empty(WaitingFor(message.Id));
    }

    [Fact]
    public async Task A_group_message_one_recipient_refused_and_the_other_acknowledged_is_delivered_with_the_refusal_kept()
    {
        var message = GroupMessage();
        Assert.True(_store.FailRecipient(message.Id, "peer:A", "A left", T0));

        var acked = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.AppendAcknowledgement(message.Id, "peer:B", acked.SetResult);
        Assert.True(await acked.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        var delivered = Stored(message.Id);
        Assert.Equal(MessageState.Delivered, delivered.State);
        Assert.Equal("A left", delivered.Refusals);
    }

    [Fact]
    public void A_refusal_the_message_was_not_waiting_for_settles_nothing()
    {
        var message = GroupMessage();
        var received = new StoredMessage(Guid.CreateVersion7(), "peer:A", false, null, "127.0.0.1:4000", "a", "in",
            PeerProtocol.Secure, T0, T0, MessageState.Received);
        _store.AppendReceived(received, null);

        Assert.False(_store.FailRecipient(message.Id, "peer:C", "never a recipient", T0));
        Assert.False(_store.FailRecipient(Guid.CreateVersion7(), "peer:A", "unknown message", T0));
        Assert.True(_store.FailRecipient(message.Id, "peer:A", "A left", T0));
        Assert.False(_store.FailRecipient(message.Id, "peer:A", "A left again", T0));

        Assert.Equal(MessageState.Sent, Stored(message.Id).State);
        Assert.Equal(["peer:B"], WaitingFor(message.Id));
    }

    [Fact]
    public async Task ConversationOfOutgoing_names_only_this_nodes_own_messages()
    {
        var mine = Outgoing("mine", "peer:X");
        _store.AppendOutgoing(mine, "peer:X", T0);
        var theirs = new StoredMessage(Guid.CreateVersion7(), "peer:Y", false, null, "127.0.0.1:4000", "y", "theirs",
            PeerProtocol.Secure, T0, T0, MessageState.Received);
        Assert.True(await _store.AppendReceivedAsync(theirs));

        Assert.Equal("peer:X", _store.ConversationOfOutgoing(mine.Id));
        Assert.Null(_store.ConversationOfOutgoing(theirs.Id));
        Assert.Null(_store.ConversationOfOutgoing(Guid.CreateVersion7()));
    }

    [Fact]
    public async Task OutgoingPosition_counts_only_this_nodes_messages_in_that_conversation_up_to_the_sequence()
    {
        var first = _store.AppendOutgoing(Outgoing("1", "peer:X"), "peer:X", T0);
        _store.AppendOutgoing(Outgoing("elsewhere", "peer:Y"), "peer:Y", T0);
        Assert.True(await _store.AppendReceivedAsync(new StoredMessage(Guid.CreateVersion7(), "peer:X", false, null, "127.0.0.1:4000",
            "x", "reply", PeerProtocol.Secure, T0, T0, MessageState.Received)));
        var second = _store.AppendOutgoing(Outgoing("2", "peer:X"), "peer:X", T0);

        Assert.Equal(1, _store.OutgoingPosition("peer:X", first));
        Assert.Equal(1, _store.OutgoingPosition("peer:X", second - 1));
        Assert.Equal(2, _store.OutgoingPosition("peer:X", second));
        Assert.Equal(0, _store.OutgoingPosition("peer:X", first - 1));
    }

    [Fact]
    public void MoveToSecure_moves_the_message_its_outbox_row_and_its_conversation_to_the_peer()
    {
        var message = Outgoing("plaintext no more", "addr:10.0.0.1:4000", PeerProtocol.Legacy);
        _store.AppendOutgoing(message, "addr:10.0.0.1:4000", T0);
        var other = Outgoing("stays", "addr:10.0.0.2:4000", PeerProtocol.Legacy);
        _store.AppendOutgoing(other, "addr:10.0.0.2:4000", T0);

        _store.MoveToSecure(message.Id, "addr:10.0.0.1:4000", "PEERID", "peer:PEERID");

        var moved = Stored(message.Id);
        Assert.Equal(PeerProtocol.Secure, moved.Protocol);
        Assert.Equal("PEERID", moved.PeerId);
        Assert.Equal("peer:PEERID", moved.Conversation);
        Assert.Equal(["peer:PEERID"], WaitingFor(message.Id));
        Assert.Equal(["addr:10.0.0.2:4000"], WaitingFor(other.Id));
        var conversations = _store.Conversations().Select(c => c.Id).Order().ToList();
        Assert.Equal(["addr:10.0.0.2:4000", "peer:PEERID"], conversations);
        Assert.Equal(PeerProtocol.Legacy, Stored(other.Id).Protocol);
    }
}
