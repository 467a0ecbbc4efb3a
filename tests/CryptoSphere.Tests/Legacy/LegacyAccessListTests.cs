using System.Net;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>Legacy peers have no identity, so the node filters them by address.</summary>
public sealed class LegacyAccessListTests
{
    private static string Chat(int port, string text) => $"<127.0.0.1:{port}> @ <old>\n{text}\n<end>";

    [Fact]
    public async Task A_denied_address_is_refused_and_nothing_of_it_is_kept()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with { LegacyDeny = [IPAddress.Loopback] });

        await RawLegacyPeer.SendAsync(node.Port, Chat(6000, "let me in"));

        var rejected = await events.WaitFor<InputRejected>(r => r.Reason.Contains("deny list"));
        Assert.StartsWith("127.0.0.1:", rejected.Remote);
        Assert.Empty(events.All<MessageReceived>());
        Assert.Equal(0, node.Peers.Count);
        Assert.Empty(node.Store.History(null, 10));
    }

    [Fact]
    public async Task With_an_allow_list_only_the_listed_addresses_may_send()
    {
        var events = new EventWaiter();
        await using var refusing = await TestNodes.StartAsync("n", events, o => o with { LegacyAllow = [IPAddress.Parse("127.0.0.2")] });
        await RawLegacyPeer.SendAsync(refusing.Port, Chat(6000, "not on the list"));
        await events.WaitFor<InputRejected>(r => r.Reason.Contains("not on the allow list"));
        Assert.Empty(events.All<MessageReceived>());

        var welcome = new EventWaiter();
        await using var accepting = await TestNodes.StartAsync("m", welcome, o => o with { LegacyAllow = [IPAddress.Loopback] });
        await RawLegacyPeer.SendAsync(accepting.Port, Chat(6001, "on the list"));
        Assert.Equal("on the list", (await welcome.WaitFor<MessageReceived>()).Text);
    }

    // The rules themselves, for addresses a loopback test cannot connect from.

    [Fact]
    public void A_secure_only_node_refuses_every_legacy_peer_and_says_why()
    {
        var options = TestNodes.Options("n") with { SecureOnly = true, LegacyAllow = [IPAddress.Loopback] };

        Assert.Equal("legacy (unencrypted) protocol refused: this node is --secure-only", LegacyEndpoint.Refusal(options, IPAddress.Loopback));
    }

    [Theory]
    // A dual-stack listener (--bind ::) sees IPv4 peers as IPv4-mapped IPv6 addresses; the lists hold plain IPv4.
    [InlineData("::ffff:10.1.2.3", "10.1.2.3", "legacy peer 10.1.2.3 is on the deny list")]
    [InlineData("10.1.2.3", "10.1.2.3", "legacy peer 10.1.2.3 is on the deny list")]
    [InlineData("::1", "::1", "legacy peer ::1 is on the deny list")]
    [InlineData("10.1.2.4", "10.1.2.3", null)]
    public void The_deny_list_matches_the_peers_address_in_either_form(string peer, string denied, string? expected)
    {
        var options = TestNodes.Options("n") with { LegacyDeny = [IPAddress.Parse(denied)] };

        Assert.Equal(expected, LegacyEndpoint.Refusal(options, IPAddress.Parse(peer)));
    }

    [Theory]
    [InlineData("::ffff:10.1.2.3", null)]
    [InlineData("10.1.2.3", null)]
    [InlineData("10.1.2.4", "legacy peer 10.1.2.4 is not on the allow list")]
    [InlineData("::ffff:10.1.2.4", "legacy peer 10.1.2.4 is not on the allow list")]
    public void An_allow_list_admits_exactly_its_addresses(string peer, string? expected)
    {
        var options = TestNodes.Options("n") with { LegacyAllow = [IPAddress.Parse("10.1.2.3")] };

        Assert.Equal(expected, LegacyEndpoint.Refusal(options, IPAddress.Parse(peer)));
    }

    [Fact]
    public void The_deny_list_wins_over_the_allow_list()
    {
        var options = TestNodes.Options("n") with { LegacyAllow = [IPAddress.Loopback], LegacyDeny = [IPAddress.Loopback] };

        Assert.Equal("legacy peer 127.0.0.1 is on the deny list", LegacyEndpoint.Refusal(options, IPAddress.Loopback));
    }
}
