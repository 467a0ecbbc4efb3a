using System.Buffers.Binary;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// GROUP_MESSAGE: its Lamport time orders the group's history on every member, so the clock and send time
/// are pinned byte for byte and refused exactly outside their range.
/// </summary>
public partial class MessageCodecTests
{
    private static readonly Guid OtherId = Guid.Parse("fedcba98-7654-7321-8fed-cba987654321");

    private static byte[] GroupChatBody(long lamport, long millis, params byte[] text)
    {
        var body = new byte[48 + text.Length];
        SampleIdBytes.CopyTo(body, 0);
        OtherId.TryWriteBytes(body.AsSpan(16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(32), lamport);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(40), millis);
        text.CopyTo(body, 48);
        return body;
    }

    [Fact]
    public void GroupChat_HasTheExactLayout()
    {
        var message = new GroupChatMessage(SampleId, OtherId, 0x0011223344556677, DateTimeOffset.FromUnixTimeMilliseconds(0x0A0B0C0D0E0F), "hé");

        var bytes = Encode(message.Encode);

        Assert.Equal([.. Header(1 + 48 + 3, FrameType.GroupMessage), .. GroupChatBody(0x0011223344556677, 0x0A0B0C0D0E0F, (byte)'h', 0xC3, 0xA9)], bytes);
        Assert.Equal(message, GroupChatMessage.Decode(Read(bytes).Body));
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(GroupChatMessage.MaxLamport, 253_402_300_799_999L)] // the last millisecond DateTimeOffset holds
    public void GroupChat_ClockAndSendTime_AreAcceptedUpToTheirLimits(long lamport, long millis)
    {
        var message = GroupChatMessage.Decode(Body(GroupChatBody(lamport, millis, (byte)'x')));

        Assert.Equal(new GroupChatMessage(SampleId, OtherId, lamport, DateTimeOffset.FromUnixTimeMilliseconds(millis), "x"), message);
    }

    [Theory]
    [InlineData(-1L, 0L)]
    [InlineData(GroupChatMessage.MaxLamport + 1, 0L)]
    [InlineData(long.MaxValue, 0L)]
    [InlineData(0L, -1L)]
    [InlineData(0L, 253_402_300_800_000L)]
    [InlineData(GroupChatMessage.MaxLamport + 1, 253_402_300_800_000L)]
    public void GroupChat_AClockOrSendTimeOutOfRange_IsRefused(long lamport, long millis)
    {
        Assert.Equal("GROUP_MESSAGE clock or send time out of range", Refusal("GROUP_MESSAGE", GroupChatBody(lamport, millis)));
    }

    [Fact]
    public void GroupChat_InvalidUtf8Text_IsRefused()
    {
        Assert.Equal("GROUP_MESSAGE text is not valid UTF-8", Refusal("GROUP_MESSAGE", GroupChatBody(1, 1, (byte)'o', 0xC3)));
    }
}
