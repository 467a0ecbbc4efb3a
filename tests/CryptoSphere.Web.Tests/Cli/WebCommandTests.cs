using System.Net;
using System.Text.RegularExpressions;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Web.Tests.Cli;

/// <summary>The program as a user starts it: <c>cryptosphere web</c> and the menu's <c>--web</c>, as real processes.</summary>
public sealed partial class WebCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [GeneratedRegex(@"http://\S+/\?token=[A-Za-z0-9_-]{43}")]
    private static partial Regex Link();

    private static async Task<Uri> LinkAsync(CliProcess cli, string label)
    {
        var text = await cli.Stdout.WaitForAsync("Open the link in a browser", timeout: TimeSpan.FromSeconds(30));
        var line = text.Split('\n').First(l => l.StartsWith(label, StringComparison.Ordinal));
        return new Uri(Link().Match(line).Value);
    }

    private static async Task<(HttpStatusCode Status, string Body)> OpenAsync(Uri link, string path)
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var first = await client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var response = await client.GetAsync(new Uri(link, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Web_prints_a_link_that_opens_the_page_and_stops_cleanly_on_SIGTERM()
    {
        await using var cli = CliProcess.Start("web", "--data-dir", _data.Path, "--name", "webby", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--web-port", TestNodes.DeadPort().ToString(), "--log-level", "Trace");

        var link = await LinkAsync(cli, "Web interface: ");
        Assert.Equal("127.0.0.1", link.Host);
        var (status, body) = await OpenAsync(link, "/api/me");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"name\":\"webby\"", body);
        using (var anonymous = new HttpClient())
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(link, "/"))).StatusCode);

        cli.Terminate();
        Assert.Equal(0, await cli.WaitForExitAsync());
        var token = link.Query["?token=".Length..];
        Assert.Contains("Web interface listening", cli.Stderr.Text);
        Assert.DoesNotContain(token, cli.Stderr.Text);
        Assert.DoesNotContain("warning", cli.Stderr.Text.Replace("warn:", ""), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_busy_web_port_is_one_line_and_no_stack_trace()
    {
        using var busy = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var taken = ((IPEndPoint)busy.LocalEndpoint).Port;
        await using var cli = CliProcess.Start("web", "--data-dir", _data.Path, "--name", "webby", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--web-port", taken.ToString());

        var link = await LinkAsync(cli, "Web interface: ");
        cli.Terminate();
        await cli.WaitForExitAsync();

        Assert.NotEqual(taken, link.Port);
        var everything = cli.Stdout.Text + cli.Stderr.Text;
        Assert.Single(everything.Split('\n'), l => l.Contains($"{taken}") && l.Contains("in use"));
        Assert.DoesNotContain("   at ", everything);
        Assert.Equal("", cli.Stderr.Text.Trim());
    }

    [Fact]
    public async Task Web_bound_beyond_loopback_warns_and_prints_a_network_link()
    {
        await using var cli = CliProcess.Start("web", "--data-dir", _data.Path, "--name", "webby", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--web-port", TestNodes.DeadPort().ToString(), "--web-bind", "0.0.0.0");

        var network = await LinkAsync(cli, "On your network: ");

        await cli.Stderr.WaitForAsync("can be reached from the network");
        // The advertised address (127.0.0.1 here) is how other machines reach a wildcard-bound interface.
        Assert.Equal("127.0.0.1", network.Host);
        var (status, _) = await OpenAsync(network, "/api/me/link-qr.png");
        Assert.Equal(HttpStatusCode.OK, status);
        cli.Terminate();
        Assert.Equal(0, await cli.WaitForExitAsync());
    }

    [Fact]
    public async Task The_menu_with_web_serves_the_page_until_quit()
    {
        await using var cli = CliProcess.Start("--data-dir", _data.Path, "--name", "menu-user", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--web", "--web-port", TestNodes.DeadPort().ToString());

        var link = await LinkAsync(cli, "Web interface: ");
        var (status, body) = await OpenAsync(link, "/api/me");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("menu-user", body);

        await cli.Stdin.WriteLineAsync("0");
        await cli.Stdin.FlushAsync();
        Assert.Equal(0, await cli.WaitForExitAsync());
        Assert.Contains("Bye.", cli.Stdout.Text);
    }

    [Fact]
    public async Task The_menu_without_web_serves_nothing()
    {
        var (code, stdout, _) = await CliProcess.RunAsync("--data-dir", _data.Path, "--name", "plain", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");

        Assert.Equal(0, code);
        Assert.DoesNotContain("Web interface", stdout);
    }
}
