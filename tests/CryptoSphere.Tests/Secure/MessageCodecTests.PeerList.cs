using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// PEERS: addresses a peer hands out for others to dial, so a bad entry must be skipped (not believed, not
/// fatal) and a bad frame refused; each limit and each cut is pinned here, without nodes.
/// </summary>
public partial class MessageCodecTests
{
    private const long LastMillis = 253_402_300_799_999; // DateTimeOffset.MaxValue in Unix milliseconds

    private static PeerListMessage.Entry PeerEntry(int seed, string host = "10.0.0.1", int port = 4000, long seen = 1_700_000_000_123) =>
        new(Peer(seed), new PeerKey(host, port), DateTimeOffset.FromUnixTimeMilliseconds(seen));

    private static byte[] PeerListBody(params PeerListMessage.Entry[] entries)
    {
        var (type, body) = Read(Encode(new PeerListMessage(entries).Encode));
        Assert.Equal(FrameType.Peers, type);
        return body.ToArray();
    }

    private static IReadOnlyList<PeerListMessage.Entry> DecodePeers(byte[] body) => PeerListMessage.Decode(Body(body)).Peers;

    private static byte[] EntryBytes(string id, string address, long seen)
    {
        var millis = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(millis, seen);
        return [(byte)id.Length, .. Encoding.ASCII.GetBytes(id), (byte)address.Length, .. Encoding.ASCII.GetBytes(address), .. millis];
    }

    private static byte[] PeersBody(params byte[][] entries) =>
        [(byte)(entries.Length >> 8), (byte)entries.Length, .. entries.SelectMany(e => e)];

    [Fact]
    public void Peers_HasTheExactLayout()
    {
        var bytes = Encode(new PeerListMessage([PeerEntry(1, "1.2.3.4", 5000)]).Encode);

        byte[] body =
        [
            0, 1,
            52, .. Encoding.ASCII.GetBytes(Peer(1).Value),
            12, .. "1.2.3.4:5000"u8,
            0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B, // 1_700_000_000_123 ms
        ];
        Assert.Equal([.. Header(1 + body.Length, FrameType.Peers), .. body], bytes);
    }

    [Fact]
    public void Peers_RoundTrip_EveryField_IPv6_AndTheTimeLimits()
    {
        PeerListMessage.Entry[] entries =
        [
            PeerEntry(1),
            PeerEntry(2, "::1", 65535, 0),
            PeerEntry(3, "peer.example", 1024, LastMillis),
        ];

        Assert.Equal(entries, DecodePeers(PeerListBody(entries)));
    }

    [Fact]
    public void Peers_AnEmptyList_IsTwoZeroBytes()
    {
        var body = PeerListBody();

        Assert.Equal([0, 0], body);
        Assert.Empty(DecodePeers(body));
    }

    [Fact]
    public void Peers_SendsAtMost256_AndTheLimitDecodes()
    {
        var entries = Enumerable.Range(1, PeerListMessage.MaxEntries + 1).Select(i => PeerEntry(i)).ToArray();

        Assert.Equal(entries[..PeerListMessage.MaxEntries], DecodePeers(PeerListBody(entries)));
    }

    [Fact]
    public void Peers_ACountOver256_Throws_EvenWhenTheEntriesAreThere()
    {
        var entries = Enumerable.Range(1, PeerListMessage.MaxEntries + 1).Select(i => EntryBytes(Peer(i).Value, "h:4000", 1)).ToArray();

        var error = Assert.Throws<FrameFormatException>(() => DecodePeers(PeersBody(entries)));

        Assert.Contains("257 peers", error.Message);
    }

    [Fact]
    public void Peers_AnAddressOf255Bytes_IsSent_AndALongerOneIsLeftOut()
    {
        var longest = PeerEntry(1, new string('a', 250), 4000);
        var tooLong = PeerEntry(2, new string('a', 251), 4000);

        Assert.Equal([longest, PeerEntry(3)], DecodePeers(PeerListBody(longest, tooLong, PeerEntry(3))));
    }

    [Theory]
    [InlineData("not-an-id", "h:4000", 1L)]
    [InlineData(null, "no port", 1L)]
    [InlineData(null, "h:80", 1L)]
    [InlineData(null, "", 1L)]
    [InlineData(null, "h:4000", -1L)]
    [InlineData(null, "h:4000", long.MinValue)]
    [InlineData(null, "h:4000", LastMillis + 1)]
    [InlineData(null, "h:4000", long.MaxValue)]
    public void Peers_AnEntryThatDoesNotParse_IsSkipped_AndTheNextIsRead(string? id, string address, long seen)
    {
        var body = PeersBody(
            EntryBytes(id ?? Peer(1).Value, address, seen),
            EntryBytes(Peer(2).Value, "10.0.0.2:4001", 5));

        var entry = Assert.Single(DecodePeers(body));

        Assert.Equal(PeerEntry(2, "10.0.0.2", 4001, 5), entry);
    }

    [Fact]
    public void Peers_BytesAfterTheLastEntry_AreIgnored_UpToTheSizeLimit()
    {
        var padded = new byte[64 * 1024];
        PeerListBody(PeerEntry(1)).CopyTo(padded, 0);

        Assert.Equal([PeerEntry(1)], DecodePeers(padded));
    }

    [Fact]
    public void Peers_OverTheSizeLimit_Throws()
    {
        var padded = new byte[64 * 1024 + 1];

        Assert.Contains("too large", Assert.Throws<FrameFormatException>(() => DecodePeers(padded)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Peers_WithoutACount_Throws(int length)
    {
        Assert.Contains("too short", Assert.Throws<FrameFormatException>(() => DecodePeers(new byte[length])).Message);
    }

    // Cuts at the ID's length byte, inside the ID, at the address's length byte, inside the address, and
    // inside the last-seen time; an entry past the first, too.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(54)]
    [InlineData(55)]
    [InlineData(60)]
    [InlineData(62)]
    [InlineData(69)]
    [InlineData(71)]
    public void Peers_CutShort_Throws(int length)
    {
        var whole = PeersBody(EntryBytes(Peer(1).Value, "h:4000", 1), EntryBytes(Peer(2).Value, "h:4001", 2));
        Assert.Equal(2 + 2 * 68, whole.Length);
        Assert.Equal(2, DecodePeers(whole).Count);

        var error = Assert.Throws<FrameFormatException>(() => DecodePeers(whole[..length]));

        Assert.Contains("runs past the end", error.Message);
    }

    [Fact]
    public void Peers_ALengthPastTheEnd_Throws()
    {
        byte[] body = [0, 1, 52, .. Encoding.ASCII.GetBytes(Peer(1).Value), 250, (byte)'h'];

        Assert.Throws<FrameFormatException>(() => DecodePeers(body));
    }
}
