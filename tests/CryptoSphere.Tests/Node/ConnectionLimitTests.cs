using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>Hostile connection patterns are cut off; well-behaved senders get through afterwards.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connections_over_the_per_address_limit_are_closed_at_once()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with
        {
            MaxConnectionsPerIp = 3,
            ReadTimeout = TimeSpan.FromSeconds(30),
        });
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(IPAddress.Loopback, node.Port);
                silent.Add(s);
            }
            using var extra = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await extra.ConnectAsync(IPAddress.Loopback, node.Port);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            // The node closes it without reading: end of stream (or a reset), long before the read timeout.
            var closed = await ReadsEndAsync(extra, timeout.Token);
            Assert.True(closed);
        }
        finally
        {
            foreach (var s in silent)
                s.Dispose();
        }

        // The slots come back once the node has seen the silent connections go.
        await events.WaitFor<InputRejected>(_ => events.All<InputRejected>().Count >= 3);
        await RawLegacyPeer.SendAsync(node.Port, "<127.0.0.1:7000> @ <ok>\nafter the flood\n<end>");
        await events.WaitFor<MessageReceived>(m => m.Text == "after the flood");
    }

    [Fact]
    public async Task A_legacy_sender_trickling_bytes_is_cut_off_at_the_message_deadline()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with
        {
            ReadTimeout = TimeSpan.FromSeconds(30),
            LegacyMessageDeadline = TimeSpan.FromMilliseconds(500),
        });
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(IPAddress.Loopback, node.Port);
        var remote = slow.LocalEndPoint!.ToString()!;
        var trickle = Task.Run(async () =>
        {
            try
            {
                foreach (var b in "<127.0.0.1:7000> @ <slow>\nnever finished"u8.ToArray())
                {
                    await slow.SendAsync(new[] { b });
                    await Task.Delay(50);
                }
            }
            catch (SocketException)
            {
                // cut off, as intended
            }
        });

        var rejected = await events.WaitFor<InputRejected>(r => r.Remote == remote);
        Assert.Contains("incomplete", rejected.Reason);
        Assert.Empty(events.All<MessageReceived>());
        await RawLegacyPeer.SendAsync(node.Port, "<127.0.0.1:7001> @ <ok>\nstill serving\n<end>");
        await events.WaitFor<MessageReceived>(m => m.Text == "still serving");
        await trickle.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<bool> ReadsEndAsync(Socket socket, CancellationToken token)
    {
        try
        {
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None, token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
