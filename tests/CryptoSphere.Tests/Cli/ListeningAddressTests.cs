using System.Text.Json;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// "Listening on" names the address bound as well as the one advertised: with --bind 127.0.0.1 --advertise-ip 192.0.2.2
/// it said "Listening on 192.0.2.2:PORT", an address that refused connections (found from outside).
/// </summary>
public sealed class ListeningAddressTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private CliProcess Listen(params string[] more) => CliProcess.Start(["listen", "--data-dir", _data.Path, "--name", "a",
        "--port", TestNodes.DeadPort().ToString(), "--bind", "127.0.0.1", "--advertise-ip", "192.0.2.2", "--no-discovery", .. more]);

    [Fact]
    public async Task The_text_line_names_the_bound_address_and_the_advertised_one()
    {
        await using var listen = Listen();
        var started = (await listen.Stdout.WaitForAsync("Listening on", timeout: Patience)).Split('\n')[0];

        Assert.Matches(@"^Listening on 127\.0\.0\.1:\d+ \(advertising 192\.0\.2\.2\)$", started);
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }

    [Fact]
    public async Task The_json_event_keeps_ip_as_the_advertised_address_and_adds_bind()
    {
        await using var listen = Listen("--json");
        var started = JsonDocument.Parse((await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience)).Split('\n')[0]).RootElement;

        Assert.Equal("192.0.2.2", started.GetProperty("ip").GetString());
        Assert.Equal("127.0.0.1", started.GetProperty("bind").GetString());
        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
