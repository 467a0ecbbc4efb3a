using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>Like the node's own port: a taken web port moves to the next free one, unless told not to.</summary>
public sealed class PortTests
{
    [Fact]
    public async Task A_taken_port_moves_to_the_next_free_one()
    {
        await using var node = await TestNodes.StartAsync("alice");
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var web = await WebInterface.StartAsync(node, new WebOptions { Port = taken });

        Assert.NotEqual(taken, web.Port);
        Assert.InRange(web.Port, taken + 1, taken + 20);
        Assert.Equal($"http://127.0.0.1:{web.Port}/", web.LocalUrl.ToString());
        Assert.Equal($"http://127.0.0.1:{web.Port}/?token={web.Token}", web.LocalLink.ToString());
        Assert.Null(web.NetworkLink);
    }

    [Fact]
    public async Task A_taken_port_with_strict_port_is_an_error()
    {
        await using var node = await TestNodes.StartAsync("alice");
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<PortUnavailableException>(() =>
            WebInterface.StartAsync(node, new WebOptions { Port = taken, StrictPort = true }));

        Assert.Contains(taken.ToString(), error.Message);
    }

    [Fact]
    public async Task Each_start_has_a_new_long_random_token()
    {
        await using var node = await TestNodes.StartAsync("alice");

        await using var first = await WebInterface.StartAsync(node, new WebOptions { Port = 0 });
        await using var second = await WebInterface.StartAsync(node, new WebOptions { Port = 0 });

        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(43, first.Token.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", first.Token);
    }
}
