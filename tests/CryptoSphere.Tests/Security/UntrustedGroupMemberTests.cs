using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>
/// Issue 12 #16: under <c>--accept trusted</c>, a group message from a member nobody trusted waits like a 1:1
/// message from a stranger, unless the group's admin is trusted (the admin vouches for its members).
/// </summary>
public sealed class UntrustedGroupMemberTests
{
    [Fact]
    public async Task A_group_message_from_an_untrusted_member_is_held_unless_the_admin_is_trusted()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with { Accept = AcceptPolicy.Trusted });
        await using var admin = await RawSecurePeer.ConnectAsync(target.Port);
        await admin.SendHelloAsync(40_001, "admin");
        await using var member = await RawSecurePeer.ConnectAsync(target.Port);
        await member.SendHelloAsync(40_002, "member");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == admin.Id);
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == member.Id);
        var group = new Group(Guid.CreateVersion7(), "club", admin.Id, 1,
            [new GroupMember(admin.Id, null, false), new GroupMember(member.Id, null, false), new GroupMember(target.Identity.Id, null, false)], true);
        await admin.SendAsync(w => GroupStateMessage.Encode(group, w));
        await events.WaitFor<GroupChanged>(g => g.Group.Id == group.Id);

        var first = new GroupChatMessage(group.Id, Guid.CreateVersion7(), 1, DateTimeOffset.UtcNow, "hello club");
        await member.SendAsync(first.Encode);
        var request = await events.WaitFor<ContactRequestReceived>(r => r.PeerId == member.Id);
        Assert.Equal("hello club", request.FirstText);
        Assert.Empty(events.All<GroupMessageReceived>());
        Assert.Equal(1, target.ContactRequests.Single(r => r.Id == member.Id).Count);

        // The admin is trusted now: it vouches for its members.
        target.Trust.SetState(admin.Id, TrustState.Trusted, DateTimeOffset.UtcNow);
        var second = new GroupChatMessage(group.Id, Guid.CreateVersion7(), 2, DateTimeOffset.UtcNow, "vouched for");
        await member.SendAsync(second.Encode);
        await events.WaitFor<GroupMessageReceived>(m => m.MessageId == second.Id);
        Assert.DoesNotContain(events.All<GroupMessageReceived>(), m => m.MessageId == first.Id);

        // Trusting the member shows what it held, as a group line.
        target.TrustPeer(member.Id);
        var released = await events.WaitFor<GroupMessageReceived>(m => m.MessageId == first.Id);
        Assert.Equal(group.Id, released.GroupId);
        Assert.Equal("club", released.GroupName);
        Assert.Empty(target.ContactRequests);
    }
}
