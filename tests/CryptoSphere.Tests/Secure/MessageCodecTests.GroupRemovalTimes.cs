using System.Buffers.Binary;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// GROUP_STATE's removal times: an optional block after the members, one i64 per member, that older nodes neither
/// write nor read. Its layout, its absence and its limits are pinned here.
/// </summary>
public partial class MessageCodecTests
{
    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    [Fact]
    public void GroupState_WithARemovalTime_EndsWithOneTimePerMember_InListOrder()
    {
        var group = SampleGroup(5,
            new GroupMember(Peer(1), "1.2.3.4:5", Removed: false, RemovedAtLamport: 99),
            new GroupMember(Peer(2), null, Removed: true, RemovedAtLamport: 0x0001020304050607),
            new GroupMember(Peer(3), null, Removed: true));

        var body = GroupBody(group);

        byte[] expected =
        [
            .. GroupHead(5, "team 🌍"), 0, 3,
            .. MemberBytes(Peer(1), "1.2.3.4:5", 0), .. MemberBytes(Peer(2), "", 1), .. MemberBytes(Peer(3), "", 1),
            .. Int64(0), 0, 1, 2, 3, 4, 5, 6, 7, .. Int64(0),
        ];
        // A current member has no removal time: its 99 is neither sent nor kept.
        Assert.Equal(expected, body);
        Assert.Equal([0L, 0x0001020304050607, 0L], DecodeGroup(body).Members.Select(m => m.RemovedAtLamport));
    }

    [Fact]
    public void GroupState_WithoutRemovalTimes_IsByteForByteAsBefore_AndDecodesToZero()
    {
        var group = SampleGroup(5, new GroupMember(Peer(1), null, Removed: false), new GroupMember(Peer(2), null, Removed: true));

        var body = GroupBody(group);

        Assert.Equal([.. GroupHead(5, "team 🌍"), 0, 2, .. MemberBytes(Peer(1), "", 0), .. MemberBytes(Peer(2), "", 1)], body);
        Assert.All(DecodeGroup(body).Members, m => Assert.Equal(0, m.RemovedAtLamport));
    }

    [Fact]
    public void GroupState_AShortBlockAfterTheMembers_IsIgnoredAsFromAnOlderSender()
    {
        byte[] body = [.. GroupHead(), 0, 2, .. MemberBytes(Peer(1), "", 1), .. MemberBytes(Peer(2), "", 1), .. Int64(7), 0, 0, 0];

        Assert.All(DecodeGroup(body).Members, m => Assert.Equal(0, m.RemovedAtLamport));
    }

    [Fact]
    public void GroupState_BytesAfterTheRemovalTimes_AreIgnored()
    {
        byte[] body = [.. GroupHead(), 0, 1, .. MemberBytes(Peer(1), "", 1), .. Int64(42), 0xFF, 0xFF];

        Assert.Equal(42, Assert.Single(DecodeGroup(body).Members).RemovedAtLamport);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(GroupChatMessage.MaxLamport + 1)]
    public void GroupState_ARemovalTimeOutOfRange_Throws(long lamport)
    {
        byte[] body = [.. GroupHead(), 0, 1, .. MemberBytes(Peer(1), "", 1), .. Int64(lamport)];

        Assert.Contains("removal time", Assert.Throws<FrameFormatException>(() => DecodeGroup(body)).Message);
    }

    [Fact]
    public void GroupState_TheLargestRemovalTime_RoundTrips()
    {
        var group = SampleGroup(2, new GroupMember(Peer(1), null, Removed: true, RemovedAtLamport: GroupChatMessage.MaxLamport));

        AssertSameGroup(group, DecodeGroup(GroupBody(group)));
    }

    [Fact]
    public void A_removed_member_is_admitted_only_below_its_removal_time_and_a_current_one_always()
    {
        var group = SampleGroup(2,
            new GroupMember(Peer(1), null, Removed: false),
            new GroupMember(Peer(2), null, Removed: true, RemovedAtLamport: 10),
            new GroupMember(Peer(3), null, Removed: true));

        Assert.True(group.Admits(Peer(1), GroupChatMessage.MaxLamport));
        Assert.True(group.Admits(Peer(2), 9));
        Assert.False(group.Admits(Peer(2), 10));
        Assert.False(group.Admits(Peer(3), 0));
        Assert.False(group.Admits(Peer(4), 0));
    }
}
