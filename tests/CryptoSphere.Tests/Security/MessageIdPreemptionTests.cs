using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>
/// Issue 12 #7: deduplication is per (author, message ID). A member that sends its own text under the ID of
/// another member's message cannot make the real one vanish as a "duplicate": the real one is refused visibly
/// and not acknowledged, so its author is never told "delivered".
/// </summary>
public sealed class MessageIdPreemptionTests
{
    [Fact]
    public async Task A_message_under_an_id_another_author_used_first_is_refused_visibly_and_not_acknowledged()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events);
        var group = target.CreateGroup("team").Value!;
        await using var mallory = await RawSecurePeer.ConnectAsync(target.Port);
        await mallory.SendHelloAsync(1, "mallory");
        await using var alice = await RawSecurePeer.ConnectAsync(target.Port);
        await alice.SendHelloAsync(2, "alice");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == mallory.Id);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == alice.Id);
        group = (await target.AddMemberAsync(group.Id, mallory.Id)).Value!;
        group = (await target.AddMemberAsync(group.Id, alice.Id)).Value!;

        // Mallory saw Alice's message X first and sends its own text under X's ID.
        var x = Guid.CreateVersion7();
        await mallory.SendAsync(new GroupChatMessage(group.Id, x, 1, DateTimeOffset.UtcNow, "forged under X").Encode);
        await events.WaitFor<GroupMessageReceived>(m => m.MessageId == x && m.Author == mallory.Id);

        await alice.SendAsync(new GroupChatMessage(group.Id, x, 1, DateTimeOffset.UtcNow, "the real X").Encode);
        var refused = await events.WaitFor<InputRejected>(r => r.Reason.Contains(x.ToString()));
        Assert.Contains("already used by another author", refused.Reason);

        // Alice's next message is acknowledged; X never was.
        var y = Guid.CreateVersion7();
        await alice.SendAsync(new GroupChatMessage(group.Id, y, 2, DateTimeOffset.UtcNow, "after X").Encode);
        var acked = new List<Guid>();
        while (!acked.Contains(y))
        {
            var (body, _) = await alice.ReadUntilAsync(FrameType.Ack);
            acked.Add(AckMessage.Decode(new(body)).MessageId);
        }
        Assert.DoesNotContain(x, acked);

        // The same author sending the same ID again is a resend: acknowledged again, shown once.
        await alice.SendAsync(new GroupChatMessage(group.Id, y, 2, DateTimeOffset.UtcNow, "after X").Encode);
        var (again, _) = await alice.ReadUntilAsync(FrameType.Ack);
        Assert.Equal(y, AckMessage.Decode(new(again)).MessageId);
        // Events reach subscribers from the bus's own task: the ACKs can come first. A later message is shown after
        // anything the resend could have shown (same connection, same bus): wait for it, then count.
        var z = Guid.CreateVersion7();
        await alice.SendAsync(new GroupChatMessage(group.Id, z, 3, DateTimeOffset.UtcNow, "after the resend").Encode);
        await events.WaitFor<GroupMessageReceived>(m => m.MessageId == z);
        Assert.Single(events.All<GroupMessageReceived>(), m => m.MessageId == y);
        Assert.DoesNotContain(events.All<GroupMessageReceived>(), m => m.Author == alice.Id && m.MessageId == x);
    }
}
