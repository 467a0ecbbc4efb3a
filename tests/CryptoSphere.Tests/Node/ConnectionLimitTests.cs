using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Node;

/// <summary>Hostile connection patterns are cut off; well-behaved senders get through afterwards.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task A_connection_over_the_per_address_cap_waits_unread_and_its_message_arrives_when_a_slot_frees()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with
        {
            MaxConnectionsPerIp = 3,
            ReadTimeout = TimeSpan.FromSeconds(30),
        });
        // A legacy sender writes and closes: it believes the message delivered, so the node must not drop it.
        await HeldUntilASlotFreesAsync(node, events, silentConnections: 3, "waited for a slot");
    }

    [Fact]
    public async Task Over_the_cap_with_as_many_waiting_a_connection_is_refused_unread_counted_and_reported()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with
        {
            MaxConnectionsPerIp = 2,
            ReadTimeout = TimeSpan.FromSeconds(30),
        });
        // Two running and two parked, all silent.
        var held = await OpenAsync(node.Port, 4);
        try
        {
            using var extra = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await extra.ConnectAsync(IPAddress.Loopback, node.Port);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.True(await ReadsEndAsync(extra, timeout.Token), "the fifth connection was not closed");
            var report = await events.WaitFor<InputRejected>(r => r.Reason.Contains("refused unread"));
            Assert.Contains("1 refused so far", report.Reason);
            Assert.Equal(1, node.RefusedConnections);
        }
        finally
        {
            foreach (var s in held)
                s.Dispose();
        }

        // The slots come back once the node has seen the four silent connections go (until then the address is
        // still full of stalled connections, and a fifth would be refused again).
        await events.WaitFor<InputRejected>(_ => events.All<InputRejected>().Count(r => !r.Reason.Contains("refused unread")) >= 4);
        await RawLegacyPeer.SendAsync(node.Port, "<127.0.0.1:7000> @ <ok>\nafter the flood\n<end>");
        await events.WaitFor<MessageReceived>(m => m.Text == "after the flood", TimeSpan.FromSeconds(30));
    }

    // A cap of 32 also covers the accept loop being woken only once a few slots are free (see ConnectionLimiter).
    [Theory]
    [InlineData(2, 8, 10)]
    [InlineData(32, 80, 5)]
    public async Task Many_concurrent_legacy_senders_from_one_address_over_both_caps_are_slowed_not_refused(int cap, int senders, int each)
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with
        {
            MaxConnectionsPerIp = cap,
            ConnectionProgressWindow = TimeSpan.FromSeconds(20),
        });
        // More senders at once than the cap running and the cap waiting: the listener must wait for slots, never refuse.
        await Task.WhenAll(Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:{7000 + sender}> @ <s{sender}>\nm {sender} {i}\n<end>");
        })));
        for (var sender = 0; sender < senders; sender++)
        {
            for (var i = 0; i < each; i++)
            {
                var text = $"m {sender} {i}";
                await events.WaitFor<MessageReceived>(m => m.Text == text, TimeSpan.FromSeconds(60));
            }
        }
        Assert.Equal(0, node.RefusedConnections);
    }

    [Fact]
    public async Task At_the_total_cap_the_node_stops_accepting_and_the_backlog_holds_the_next_connection()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("n", events, o => o with
        {
            MaxConnections = 2,
            ReadTimeout = TimeSpan.FromSeconds(30),
        });
        // The kernel completes the handshake from its backlog; the node has not accepted it.
        await HeldUntilASlotFreesAsync(node, events, silentConnections: 2, "held by the backlog");
        Assert.DoesNotContain(events.All<InputRejected>(), r => r.Reason.Contains("refused unread"));
    }

    // Fills the cap with silent connections, sends a legacy message beyond it (not refused, not shown), then closes one
    // silent connection and waits for the message to arrive.
    private static async Task HeldUntilASlotFreesAsync(ChatNode node, EventWaiter events, int silentConnections, string text)
    {
        var silent = await OpenAsync(node.Port, silentConnections);
        try
        {
            await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:7000> @ <late>\n{text}\n<end>");
            Assert.Equal(0, node.RefusedConnections);
            Assert.DoesNotContain(events.All<MessageReceived>(), m => m.Text == text);
        }
        finally
        {
            silent[0].Dispose();
        }
        await events.WaitFor<MessageReceived>(m => m.Text == text, TimeSpan.FromSeconds(30));
        foreach (var s in silent)
            s.Dispose();
    }

    private static async Task<List<Socket>> OpenAsync(int port, int count)
    {
        var sockets = new List<Socket>();
        for (var i = 0; i < count; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await s.ConnectAsync(IPAddress.Loopback, port);
            sockets.Add(s);
        }
        return sockets;
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
