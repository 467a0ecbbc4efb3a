using System.Net;
using System.Net.Sockets;

namespace CryptoSphere.Tests.Support;

public sealed class ReservedPortsTests
{
    [Fact]
    public void Reserved_ports_lie_below_the_ephemeral_range_are_free_and_differ()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        var ports = Enumerable.Range(0, 20).Select(_ => ReservedPorts.Take()).ToList();

        Assert.All(ports, p => Assert.InRange(p, 1024, ephemeralLow - 1));
        Assert.Equal(ports.Count, ports.Distinct().Count());
        // Free: each can be listened on.
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [Fact]
    public void A_port_in_use_is_not_given()
    {
        // Ports are walked one by one: hold the next few after one just taken, and the next take must pass them by.
        var last = ReservedPorts.Take();
        var held = new List<TcpListener>();
        try
        {
            for (var port = last + 1; port <= last + 5; port++)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                held.Add(listener);
            }
            var next = ReservedPorts.Take();
            Assert.DoesNotContain(next, held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port));
        }
        finally
        {
            held.ForEach(l => l.Stop());
        }
    }
}
