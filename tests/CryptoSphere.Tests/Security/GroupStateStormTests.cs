using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>
/// Issue 12 #9: GROUP_STATE frames full of invented members cannot make the node dial without bound, and a
/// peer that is not trusted can make it keep only so many groups.
/// </summary>
public sealed class GroupStateStormTests
{
    [Fact]
    public async Task Invented_group_members_cost_their_senders_dial_budget_and_group_count_and_a_friend_is_served()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events, o => o with
        {
            MaxDialsCausedPerPeer = 8,
            MaxGroupsPerUntrustedAdmin = 3,
        });
        await using var evil = await RawSecurePeer.ConnectAsync(target.Port);
        await evil.SendHelloAsync(40_000, "evil");
        await events.WaitFor<SecurePeerConnected>(c => c.PeerId == evil.Id);

        // Five groups of 20 invented members each, at addresses where nothing listens.
        var invented = Enumerable.Range(0, 20).Select(_ => NodeIdentity.CreateEphemeral()).ToList();
        var groups = new List<Guid>();
        try
        {
            for (var g = 0; g < 5; g++)
            {
                var members = invented.Select(i => new GroupMember(i.Id, $"127.0.0.1:{TestNodes.DeadPort()}", false))
                    .Append(new GroupMember(evil.Id, null, false))
                    .Append(new GroupMember(target.Identity.Id, null, false)).ToList();
                var group = new Group(Guid.CreateVersion7(), "storm" + g, evil.Id, 1, members, true);
                groups.Add(group.Id);
                await evil.SendAsync(w => GroupStateMessage.Encode(group, w));
            }
            await events.WaitFor<InputRejected>(r => r.Reason.Contains("storm4") && r.Reason.Contains("already has 3 groups"));
            Assert.Contains(events.All<InputRejected>(), r => r.Reason.Contains("storm3"));
            Assert.Equal(3, target.Groups.Count(g => g.Admin == evil.Id));

            // 3 groups x 20 members named 60 addresses; only the budget's 8 were dialled.
            await Eventually.HoldsAsync(() => target.CandidateDials + target.CandidateDialsRefused >= 20, "every named member is considered");
            Assert.Equal(8, target.CandidateDials);

            await using var friend = await TestNodes.StartAsync("friend");
            var sent = await friend.SendAsync(TestNodes.KeyOf(target), "still fine?");
            Assert.True(sent.Success, sent.Error);
            await sent.Delivered!.WaitAsync(EventWaiter.DefaultTimeout);
        }
        finally
        {
            foreach (var identity in invented)
                identity.Dispose();
        }
    }
}
