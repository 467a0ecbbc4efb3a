using System.Net;
using System.Net.Sockets;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>What happens is told once: the event line on stdout, not also a log line on stderr.</summary>
public sealed class OneLinePerEventTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_taken_port_and_dropped_input_are_each_one_line()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var taken = ((IPEndPoint)busy.LocalEndpoint).Port;

        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "me", "--port", taken.ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");
        var started = await listen.Stdout.WaitForAsync("instead");
        var port = int.Parse(started.Split('\n')[0].Split(':')[^1].Split(' ')[0]);
        // A legacy message with no header is dropped, and said so.
        await RawLegacyPeer.SendAsync(port, "no header at all\n<end>");
        await listen.Stdout.WaitForAsync("Dropped input from");
        listen.Terminate();
        await listen.WaitForExitAsync();

        var everything = listen.Stdout.Text + listen.Stderr.Text;
        Assert.Single(everything.Split('\n'), l => l.Contains($"Port {taken} is in use"));
        Assert.Single(everything.Split('\n'), l => l.Contains("Dropped input from"));
        Assert.Equal("", listen.Stderr.Text.Trim());
    }
}
