using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

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
}
