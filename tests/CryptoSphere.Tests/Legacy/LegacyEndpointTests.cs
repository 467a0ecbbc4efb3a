using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// The receiving side of the plaintext protocol, on a real node: the reason each refusal reports, that a
/// refused connection leaves nothing behind, and what an accepted one changes (store, peer table, log).
/// "Nothing else" is checked after the node stopped: the stop waits for every connection handler.
/// </summary>
public sealed class LegacyEndpointTests
{
    private const string Ip = TestNodes.Loopback;

    private static string Chat(int headerPort, string team, string text) => $"<{Ip}:{headerPort}> @ <{team}>\n{text}\n<end>";

    /// <summary>Connects and writes, then stays connected (silent) until disposed.</summary>
    private static async Task<TcpClient> StallAfterAsync(int port, string text)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(text));
        return client;
    }

    private static string Incomplete(int bytes) =>
        $"incomplete message: {bytes} bytes without <end>, then nothing within the 0.3 s read timeout or not all within the 30 s message deadline";

    // ---- refused ----

    [Fact]
    public async Task A_message_over_the_cap_is_refused_naming_the_cap_and_nothing_else_happens()
    {
        await using var bob = await LoggedNode.StartAsync("bob", o => o with { MaxLegacyMessageBytes = 256 });

        var sourcePort = await RawLegacyPeer.SendAsync(bob.Port, Chat(TestNodes.DeadPort(), "big", new string('x', 2000)));

        var rejected = await bob.Events.WaitFor<InputRejected>();
        await bob.SettleAsync();
        Assert.Equal(new InputRejected(rejected.Time, $"{Ip}:{sourcePort}", "legacy message larger than the 256-byte cap"), rejected);
        Assert.Single(bob.Events.All<InputRejected>());
        Assert.Empty(bob.Events.All<MessageReceived>());
        Assert.Equal(0, bob.Node.Peers.Count);
    }

    [Theory]
    // Stalled in the text (it would decode, without its end) and in the header (it would not decode at all).
    [InlineData("> @ <staller>\nhalf a mess")]
    [InlineData("> @ <stall")]
    public async Task A_sender_that_stalls_before_the_end_marker_is_refused_as_incomplete_and_nothing_is_delivered(string rest)
    {
        await using var bob = await LoggedNode.StartAsync("bob", o => o with { ReadTimeout = TimeSpan.FromMilliseconds(300) });
        var partial = $"<{Ip}:{TestNodes.DeadPort()}" + rest;

        using (await StallAfterAsync(bob.Port, partial))
        {
            var rejected = await bob.Events.WaitFor<InputRejected>();
            Assert.Equal(Incomplete(Encoding.UTF8.GetByteCount(partial)), rejected.Reason);
        }

        await bob.SettleAsync();
        Assert.Single(bob.Events.All<InputRejected>());
        Assert.Empty(bob.Events.All<MessageReceived>());
        Assert.Equal(0, bob.Node.Peers.Count);
        Assert.Empty(bob.Node.Store.History(null, 10));
        Assert.DoesNotContain("Unexpected error", bob.LogText);
    }

    [Fact]
    public async Task A_malformed_header_from_a_sender_that_closed_is_refused_with_the_decoders_reason_once()
    {
        await using var bob = await LoggedNode.StartAsync("bob");

        var sourcePort = await RawLegacyPeer.SendAsync(bob.Port, $"<{Ip}:5000> hello\nthere\n<end>");

        var rejected = await bob.Events.WaitFor<InputRejected>();
        await bob.SettleAsync();
        Assert.Equal($"{Ip}:{sourcePort}", rejected.Remote);
        Assert.Equal("malformed header (expected '<ip:port> @ <team>')", rejected.Reason);
        Assert.Single(bob.Events.All<InputRejected>());
        // A refused message must not reach the code that files accepted ones (it would fail there, in the log).
        Assert.DoesNotContain("Unexpected error", bob.LogText);
        Assert.Equal(0, bob.Node.Peers.Count);
    }

    // ---- accepted ----

    [Fact]
    public async Task A_very_long_team_name_is_cut_to_the_shown_bound_when_it_arrives()
    {
        await using var bob = await LoggedNode.StartAsync("bob");

        await RawLegacyPeer.SendAsync(bob.Port, Chat(TestNodes.DeadPort(), new string('é', 30_000), "a long name"));

        var message = await bob.Events.WaitFor<MessageReceived>();
        Assert.Equal("a long name", message.Text);
        // LegacyNames.MaxLength characters with the ellipsis, not cut inside a character; stored as shown.
        Assert.Equal(new string('é', Core.Legacy.LegacyNames.MaxLength - 1) + "\u2026", message.Name);
        Assert.Equal(message.Name, Assert.Single(bob.Node.Store.History(null, 10)).Name);
    }

    [Fact]
    public async Task A_complete_message_is_delivered_though_its_sender_stays_connected_after_the_end_marker()
    {
        await using var bob = await LoggedNode.StartAsync("bob", o => o with { ReadTimeout = TimeSpan.FromMilliseconds(300) });

        // Trailing whitespace after <end>: the reader waits for more, times out, and the message is whole.
        using (await StallAfterAsync(bob.Port, Chat(TestNodes.DeadPort(), "lingerer", "still here") + "\r\n"))
        {
            var message = await bob.Events.WaitFor<MessageReceived>();
            Assert.Equal("still here", message.Text);
        }

        await bob.SettleAsync();
        Assert.Empty(bob.Events.All<InputRejected>());
    }

    [Fact]
    public async Task A_chat_is_stored_as_received_before_it_is_shown_and_counted_for_its_peer()
    {
        await using var bob = await LoggedNode.StartAsync("bob");
        var key = new PeerKey(Ip, TestNodes.DeadPort());

        await RawLegacyPeer.SendAsync(bob.Port, Chat(key.Port, "old-timers", "hello from the past"));

        var message = await bob.Events.WaitFor<MessageReceived>();
        Assert.Equal(key, message.From);
        var stored = Assert.Single(bob.Node.Store.History(null, 10));
        Assert.Equal(message.MessageId, stored.Id);
        Assert.False(stored.Outgoing);
        Assert.Equal((key.ToString(), "old-timers", "hello from the past", PeerProtocol.Legacy, MessageState.Received),
            (stored.Address, stored.Name, stored.Text, stored.Protocol, stored.State));
        var peer = bob.Node.Peers.Find(key);
        Assert.NotNull(peer);
        Assert.Equal((PeerProtocol.Legacy, "old-timers", 1), (peer.Protocol, peer.Name, peer.MessageCount));
        Assert.DoesNotContain("leaves the peer table", bob.LogText);
    }

    [Fact]
    public async Task A_connection_request_registers_the_peer_and_is_announced_but_is_no_message()
    {
        await using var bob = await LoggedNode.StartAsync("bob");
        var key = new PeerKey(Ip, TestNodes.DeadPort());

        await RawLegacyPeer.SendAsync(bob.Port, Chat(key.Port, "knocker", "CONNECTION_REQUEST"));

        var request = await bob.Events.WaitFor<ConnectionRequestReceived>();
        Assert.Equal((key, "knocker"), (request.From, request.Name));
        var peer = bob.Node.Peers.Find(key);
        Assert.NotNull(peer);
        Assert.Equal((PeerProtocol.Legacy, "knocker", 1), (peer.Protocol, peer.Name, peer.MessageCount));
        Assert.Empty(bob.Events.All<MessageReceived>());
        Assert.Empty(bob.Node.Store.History(null, 10));
    }

    [Fact]
    public async Task Messages_whose_header_names_this_node_are_shown_but_leave_the_peer_table_alone_and_say_so()
    {
        await using var bob = await LoggedNode.StartAsync("bob");
        var self = new PeerKey(Ip, bob.Port);

        await RawLegacyPeer.SendAsync(bob.Port, Chat(bob.Port, "mirror", "CONNECTION_REQUEST"));
        await RawLegacyPeer.SendAsync(bob.Port, Chat(bob.Port, "mirror", "who am I"));

        Assert.Equal(self, (await bob.Events.WaitFor<ConnectionRequestReceived>()).From);
        Assert.Equal(self, (await bob.Events.WaitFor<MessageReceived>()).From);
        await bob.SettleAsync();
        Assert.Equal(0, bob.Node.Peers.Count);
        Assert.Empty(bob.Events.All<PeerAdded>());
        Assert.Equal(2, bob.Log.Lines.Count(l => l.Contains($"Legacy message naming {self} leaves the peer table as it is")));
    }

    [Fact]
    public async Task A_disconnect_removes_the_known_peer_and_logs_it_and_one_for_an_unknown_peer_logs_nothing()
    {
        await using var bob = await LoggedNode.StartAsync("bob");
        var known = new PeerKey(Ip, TestNodes.DeadPort());
        await RawLegacyPeer.SendAsync(bob.Port, Chat(known.Port, "old", "hello"));
        await bob.Events.WaitFor<PeerAdded>(a => a.Peer.Key == known);

        await RawLegacyPeer.SendAsync(bob.Port, $"<{Ip}:{TestNodes.DeadPort()}> DISCONNECT");
        await RawLegacyPeer.SendAsync(bob.Port, $"<{Ip}:{known.Port}> DISCONNECT");

        var removed = await bob.Events.WaitFor<PeerRemoved>();
        await bob.SettleAsync();
        Assert.Equal((known, PeerRemovalReason.Disconnected), (removed.Peer.Key, removed.Reason));
        var logged = Assert.Single(bob.Log.Lines, l => l.Contains("Legacy.LegacyEndpoint") && l.Contains(" disconnected"));
        Assert.Contains($"Peer {known} disconnected", logged);
    }

    [Fact]
    public async Task A_chat_over_its_senders_storage_quota_is_refused_unstored_and_unshown()
    {
        await using var bob = await LoggedNode.StartAsync("bob", o => o with { MaxStoredBytesPerStranger = 100 });
        var key = new PeerKey(Ip, TestNodes.DeadPort());

        await RawLegacyPeer.SendAsync(bob.Port, Chat(key.Port, "flooder", new string('f', 500)));

        var rejected = await bob.Events.WaitFor<InputRejected>();
        await bob.SettleAsync();
        Assert.Equal(key.ToString(), rejected.Remote);
        Assert.StartsWith("legacy message not stored: storage quota reached: ", rejected.Reason);
        Assert.Empty(bob.Events.All<MessageReceived>());
        Assert.Empty(bob.Node.Store.History(null, 10));
        Assert.Null(bob.Node.Peers.Find(key));
    }
}
