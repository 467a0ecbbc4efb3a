using CryptoSphere.Core.Relay.Protocol;

namespace CryptoSphere.Tests.Relay;

/// <summary>Relay Protocol v1 messages: 12-byte header (magic, type, length) and an XDR body.</summary>
public class RelayMessageCodecTests
{
    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    public static TheoryData<RelayMessage> Messages => new()
    {
        new Ping(),
        new Pong(),
        new RelayFull(),
        new JoinRelayRequest(),
        new JoinRelayRequest("a token"),
        new JoinSessionRequest(Bytes(32, 1)),
        new ConnectRequest(Bytes(32, 7)),
        new RelayResponse(0, "success"),
        new RelayResponse(1, "not found"),
        new RelayResponse(-5, ""),
        new SessionInvitation(Bytes(32, 3), Bytes(32, 9), [127, 0, 0, 1], 22067, ServerSocket: true),
        new SessionInvitation(Bytes(32, 3), Bytes(5, 9), [], 1, ServerSocket: false),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task EveryMessage_ReadsBackAsWritten(RelayMessage message)
    {
        var stream = new MemoryStream(RelayMessageCodec.Encode(message));

        var read = await RelayMessageCodec.ReadAsync(stream, CancellationToken.None);

        Assert.Equal(message, read);
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void Ping_IsAHeaderWithMagicTypeZeroAndNoBody() =>
        Assert.Equal(Convert.FromHexString("9E79BC40" + "00000000" + "00000000"), RelayMessageCodec.Encode(new Ping()));

    [Fact]
    public void AnEmptyJoinRelayRequest_HasNoBody_SoRelaysWithoutTokensAcceptIt() =>
        Assert.Equal(Convert.FromHexString("9E79BC40" + "00000002" + "00000000"), RelayMessageCodec.Encode(new JoinRelayRequest()));

    [Fact]
    public void SessionInvitation_LaysOutItsFieldsAsXdr()
    {
        var invitation = new SessionInvitation([0xAA], [0xBB, 0xCC], [127, 0, 0, 1], 0x1234, ServerSocket: true);

        var expected =
            "9E79BC40" + "00000006" + "00000020" + // header: type 6, 32-byte body
            "00000001" + "AA000000" +               // From: length 1, padded to 4
            "00000002" + "BBCC0000" +               // Key
            "00000004" + "7F000001" +               // Address
            "00001234" +                            // Port in a full word
            "00000001";                             // ServerSocket
        Assert.Equal(Convert.FromHexString(expected), RelayMessageCodec.Encode(invitation));
    }

    [Fact]
    public void Response_CarriesCodeAndMessage()
    {
        var expected = "9E79BC40" + "00000004" + "0000000C" + "00000001" + "00000003" + "616263" + "00";
        Assert.Equal(Convert.FromHexString(expected), RelayMessageCodec.Encode(new RelayResponse(1, "abc")));
    }

    [Theory]
    [InlineData("12345678" + "00000000" + "00000000", "magic")]
    [InlineData("9E79BC40" + "00000000" + "00000401", "1025 bytes")]
    [InlineData("9E79BC40" + "00000000" + "FFFFFFFF", "-1 bytes")]
    [InlineData("9E79BC40" + "00000063" + "00000000", "unknown relay message type 99")]
    [InlineData("9E79BC40" + "00000004" + "00000008" + "00000000" + "00000005", "ends in the middle")]
    [InlineData("9E79BC40" + "00000005" + "00000024" + "00000021" + "0000000000000000000000000000000000000000000000000000000000000000", "at most 32")]
    [InlineData("9E79BC40" + "00000006" + "00000010" + "00000000" + "00000000" + "00000000" + "00000001", "ends in the middle")]
    [InlineData("9E79BC40" + "00000004", "header")]
    [InlineData("9E79BC40" + "00000004" + "00000010" + "0000", "body")]
    public async Task MalformedInput_IsARelayProtocolException_NamingTheProblem(string hex, string expected)
    {
        var stream = new MemoryStream(Convert.FromHexString(hex));

        var error = await Assert.ThrowsAsync<RelayProtocolException>(() => RelayMessageCodec.ReadAsync(stream, CancellationToken.None));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task AnOutOfRangePort_IsRefused()
    {
        var hex = "9E79BC40" + "00000006" + "00000014" + "00000000" + "00000000" + "00000000" + "00010000" + "00000000";
        var error = await Assert.ThrowsAsync<RelayProtocolException>(
            () => RelayMessageCodec.ReadAsync(new MemoryStream(Convert.FromHexString(hex)), CancellationToken.None));
        Assert.Contains("65536", error.Message);
    }

    [Fact]
    public async Task AConnectionClosedBetweenMessages_IsEndOfStream() =>
        await Assert.ThrowsAsync<EndOfStreamException>(() => RelayMessageCodec.ReadAsync(new MemoryStream(), CancellationToken.None));

    [Fact]
    public void Writing_AnOversizedKey_IsRefusedBeforeAnythingIsSent() =>
        Assert.Throws<ArgumentException>(() => RelayMessageCodec.Encode(new JoinSessionRequest(new byte[33])));

    [Fact]
    public void TheInvitationText_NeverShowsTheSessionKey()
    {
        var invitation = new SessionInvitation(new byte[32], [0xDE, 0xAD, 0xBE, 0xEF], [10, 0, 0, 1], 5, false);
        Assert.DoesNotContain("DEADBEEF", invitation.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("222, 173", invitation.ToString());
        Assert.Contains("10.0.0.1", invitation.ToString());
    }
}
