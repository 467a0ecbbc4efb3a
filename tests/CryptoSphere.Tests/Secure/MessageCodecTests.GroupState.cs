using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// GROUP_STATE: the membership every member believes, so each field, each limit and each way the body can
/// be cut short is pinned here, without nodes.
/// </summary>
public partial class MessageCodecTests
{
    private static PeerId Peer(int seed) => PeerId.FromPublicKeyInfo(BitConverter.GetBytes(seed));

    private static Group SampleGroup(long version = 7, params GroupMember[] members) =>
        new(SampleId, "team 🌍", Peer(0), version, members, IsMember: true);

    private static Group DecodeGroup(byte[] body) => GroupStateMessage.Decode(Body(body));

    private static byte[] GroupBody(Group group)
    {
        var (type, body) = Read(Encode(w => GroupStateMessage.Encode(group, w)));
        Assert.Equal(FrameType.GroupState, type);
        return body.ToArray();
    }

    /// <summary>The body up to (not including) the member count: ID, version, admin, name.</summary>
    private static byte[] GroupHead(long version = 1, string name = "g")
    {
        var head = new byte[24];
        SampleIdBytes.CopyTo(head, 0);
        BinaryPrimitives.WriteInt64BigEndian(head.AsSpan(16), version);
        var admin = Encoding.ASCII.GetBytes(Peer(0).Value);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        return [.. head, (byte)admin.Length, .. admin, (byte)nameBytes.Length, .. nameBytes];
    }

    private static byte[] MemberBytes(PeerId id, string address, byte removed) =>
        [52, .. Encoding.ASCII.GetBytes(id.Value), (byte)address.Length, .. Encoding.ASCII.GetBytes(address), removed];

    private static void AssertSameGroup(Group expected, Group actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Admin, actual.Admin);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Members, actual.Members);
        Assert.True(actual.IsMember);
    }

    [Fact]
    public void GroupState_HasTheExactLayout()
    {
        var group = new Group(SampleId, "hé", Peer(0), 0x0102030405060708, [
            new GroupMember(Peer(1), "1.2.3.4:5", Removed: false),
            new GroupMember(Peer(2), null, Removed: true),
        ], IsMember: true);

        var bytes = Encode(w => GroupStateMessage.Encode(group, w));

        byte[] body =
        [
            .. SampleIdBytes,
            1, 2, 3, 4, 5, 6, 7, 8,
            52, .. Encoding.ASCII.GetBytes(Peer(0).Value),
            3, (byte)'h', 0xC3, 0xA9,
            0, 2,
            .. MemberBytes(Peer(1), "1.2.3.4:5", 0),
            .. MemberBytes(Peer(2), "", 1),
        ];
        Assert.Equal([.. Header(1 + body.Length, FrameType.GroupState), .. body], bytes);
    }

    [Fact]
    public void GroupState_RoundTrips_EveryField_AndBothRemovedFlags_AndAMissingAddress()
    {
        var group = SampleGroup(long.MaxValue,
            new GroupMember(Peer(0), "10.0.0.1:40000", Removed: false),
            new GroupMember(Peer(1), null, Removed: false),
            new GroupMember(Peer(2), "[::1]:7", Removed: true),
            new GroupMember(Peer(3), null, Removed: true));

        AssertSameGroup(group, DecodeGroup(GroupBody(group)));
    }

    [Fact]
    public void GroupState_WithNoMembers_RoundTrips()
    {
        var group = SampleGroup(1);

        var body = GroupBody(group);

        Assert.Equal(GroupHead(1, "team 🌍").Length + 2, body.Length);
        AssertSameGroup(group, DecodeGroup(body));
    }

    [Fact]
    public void GroupState_ANameOver255Bytes_IsCutAtACharacterBoundary()
    {
        var group = SampleGroup(1) with { Name = new string('x', 254) + "é" };

        var decoded = DecodeGroup(GroupBody(group));

        Assert.Equal(new string('x', 254), decoded.Name);
    }

    [Fact]
    public void GroupState_AnAddressOf255Bytes_IsKept_AndALongerOneDropsTheMember()
    {
        var longest = new string('a', 250) + ":4000";
        var group = SampleGroup(2,
            new GroupMember(Peer(1), longest, Removed: false),
            new GroupMember(Peer(2), longest + "0", Removed: false),
            new GroupMember(Peer(3), "h:1", Removed: true));

        var decoded = DecodeGroup(GroupBody(group));

        Assert.Equal([group.Members[0], group.Members[2]], decoded.Members);
    }

    [Fact]
    public void GroupState_SendsAtMost512Members_AndTheLimitDecodes()
    {
        var members = Enumerable.Range(1, GroupStateMessage.MaxMembers + 1)
            .Select(i => new GroupMember(Peer(i), null, Removed: false)).ToArray();

        var decoded = DecodeGroup(GroupBody(SampleGroup(3, members)));

        Assert.Equal(members[..GroupStateMessage.MaxMembers], decoded.Members);
    }

    [Fact]
    public void GroupState_ACountOver512_Throws_EvenWhenTheMembersAreThere()
    {
        var members = Enumerable.Range(1, GroupStateMessage.MaxMembers + 1).SelectMany(i => MemberBytes(Peer(i), "", 0));
        byte[] body = [.. GroupHead(), 0x02, 0x01, .. members];

        var error = Assert.Throws<FrameFormatException>(() => DecodeGroup(body));

        Assert.Contains("513 members", error.Message);
    }

    [Fact]
    public void GroupState_ARemovedFlagOtherThanOne_MeansNotRemoved()
    {
        byte[] body = [.. GroupHead(), 0, 1, .. MemberBytes(Peer(1), "", 2)];

        Assert.False(Assert.Single(DecodeGroup(body).Members).Removed);
    }

    [Fact]
    public void GroupState_BytesAfterTheLastMember_AreIgnored_UpToTheSizeLimit()
    {
        var group = SampleGroup(4, new GroupMember(Peer(1), "h:1", Removed: true));
        var body = GroupBody(group);
        var padded = new byte[256 * 1024];
        body.CopyTo(padded, 0);

        AssertSameGroup(group, DecodeGroup(padded));
    }

    [Fact]
    public void GroupState_OverTheSizeLimit_Throws()
    {
        var body = GroupBody(SampleGroup(4));
        var padded = new byte[256 * 1024 + 1];
        body.CopyTo(padded, 0);

        var error = Assert.Throws<FrameFormatException>(() => DecodeGroup(padded));

        Assert.Contains("too large", error.Message);
    }

    [Theory]
    [InlineData(0L, true)]
    [InlineData(-1L, true)]
    [InlineData(long.MinValue, true)]
    [InlineData(1L, false)]
    [InlineData(2L, false)]
    public void GroupState_AVersionBelowOne_Throws(long version, bool refused)
    {
        byte[] body = [.. GroupHead(version), 0, 0];

        if (refused)
            Assert.Contains("version", Assert.Throws<FrameFormatException>(() => DecodeGroup(body)).Message);
        else
            Assert.Equal(version, DecodeGroup(body).Version);
    }

    [Fact]
    public void GroupState_AMemberListedTwice_Throws()
    {
        byte[] body = [.. GroupHead(), 0, 2, .. MemberBytes(Peer(1), "a:1", 0), .. MemberBytes(Peer(1), "b:2", 1)];

        Assert.Contains("twice", Assert.Throws<FrameFormatException>(() => DecodeGroup(body)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(23)]
    public void GroupState_ShorterThanTheIdAndVersion_Throws(int length)
    {
        var error = Assert.Throws<FrameFormatException>(() => DecodeGroup(new byte[length]));

        Assert.Contains("too short", error.Message);
    }

    // Each cut lands at a different field: the admin's length byte, inside the admin, the name's length byte,
    // inside the name, the count, a member's ID, its address, and its removed flag.
    [Theory]
    [InlineData(24, "field runs past")]
    [InlineData(30, "field runs past")]
    [InlineData(77, "field runs past")]
    [InlineData(78, "field runs past")]
    [InlineData(79, "too short")]
    [InlineData(80, "too short")]
    [InlineData(81, "field runs past")]
    [InlineData(100, "field runs past")]
    [InlineData(134, "field runs past")]
    [InlineData(137, "field runs past")]
    [InlineData(138, "member runs past")]
    public void GroupState_CutShort_Throws_SayingWhere(int length, string expected)
    {
        byte[] whole = [.. GroupHead(1, "g"), 0, 1, .. MemberBytes(Peer(1), "h:1", 1)];
        Assert.Equal(139, whole.Length);
        Assert.Equal(1, Assert.Single(DecodeGroup(whole).Members).Removed ? 1 : 0);

        var error = Assert.Throws<FrameFormatException>(() => DecodeGroup(whole[..length]));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void GroupState_AFieldLengthPastTheEnd_Throws()
    {
        byte[] body = [.. GroupHead(), 0, 1, 200, (byte)'A'];

        Assert.Contains("field runs past", Assert.Throws<FrameFormatException>(() => DecodeGroup(body)).Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GroupState_AMalformedPeerId_Throws_ForTheAdminOrAMember(bool admin)
    {
        var bad = Encoding.ASCII.GetBytes(new string('1', 52)); // '1' is not base32
        byte[] head = [.. SampleIdBytes, 0, 0, 0, 0, 0, 0, 0, 1];
        byte[] adminBytes = admin ? bad : Encoding.ASCII.GetBytes(Peer(0).Value);
        byte[] body = [.. head, 52, .. adminBytes, 1, (byte)'g', 0, 1, 52, .. bad, 0, 0];

        Assert.Contains("malformed peer ID", Assert.Throws<FrameFormatException>(() => DecodeGroup(body)).Message);
    }

    [Fact]
    public void GroupState_AnInvalidUtf8Name_Throws()
    {
        byte[] head = GroupHead(1, "");
        byte[] body = [.. head[..^1], 2, 0xC3, 0x28, 0, 0];

        var error = Assert.Throws<FrameFormatException>(() => DecodeGroup(body));

        Assert.Contains("GROUP_STATE name", error.Message);
        Assert.Contains("UTF-8", error.Message);
    }
}
