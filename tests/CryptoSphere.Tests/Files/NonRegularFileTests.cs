using System.Diagnostics;
using System.Text.Json.Nodes;
using CryptoSphere.Cli.Control;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>
/// Only regular files are offered. Found from outside: send-file of /dev/zero hashed for ever at 100 % CPU, a FIFO blocked
/// in open() past Ctrl+C and SIGTERM, and a running node asked to send either kept hashing until it was restarted.
/// </summary>
public sealed class NonRegularFileTests : IDisposable
{
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DataDir => _dir.Combine("cli");

    private string Fifo()
    {
        var path = _dir.Combine("pipe");
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    private string[] Targets() => ["/dev/zero", Fifo()];

    [Fact]
    public async Task Send_file_refuses_a_device_or_a_fifo_with_one_line_and_exit_2_before_anything_is_offered()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var events = new EventWaiter();
        await using var receiver = await TestNodes.StartAsync("receiver", events, o => o with { DownloadsDirectory = _dir.Combine("downloads") });

        foreach (var target in Targets())
        {
            var (code, _, stderr) = await CliProcess.RunAsync("send-file", "--data-dir", DataDir, "--to", $"127.0.0.1:{receiver.Port}",
                "--name", "scripted", "--from-port", "4321", "--advertise-ip", "127.0.0.1", target);

            Assert.Equal(2, code);
            Assert.Equal($"cryptosphere: {target} is not a regular file (a device, pipe or socket); only regular files can be sent",
                stderr.Trim());
        }
        Assert.Empty(events.All<TransferOffered>());
    }

    [Fact]
    public async Task A_running_node_asked_to_send_a_device_or_a_fifo_refuses_it_at_once_with_exit_2()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var events = new EventWaiter();
        await using var receiver = await TestNodes.StartAsync("receiver", events, o => o with { DownloadsDirectory = _dir.Combine("downloads") });
        await using var listen = CliProcess.Start("listen", "--data-dir", DataDir, "--name", "runner", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json");
        await listen.Stdout.WaitForAsync("\"node_started\"", timeout: TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(() => File.Exists(Path.Combine(DataDir, "control.sock")), "the control socket exists");

        foreach (var target in Targets())
        {
            // What send-file hands the node; asked directly, as the command checks the path itself first.
            var request = new JsonObject { ["op"] = "send-file", ["to"] = $"127.0.0.1:{receiver.Port}", ["path"] = target };
            var outcome = await ControlClient.TryRunAsync(DataDir, request, Answer, CancellationToken.None);

            Assert.NotNull(outcome);
            Assert.Equal(2, outcome.Exit);
            Assert.Contains($"{target} is not a regular file", outcome.Err);
        }
        Assert.Empty(events.All<TransferOffered>());
    }

    [Fact]
    public async Task Offering_a_fifo_from_the_menu_or_the_web_fails_without_opening_it()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var events = new EventWaiter();
        await using var sender = await TestNodes.StartAsync("sender");
        await using var receiver = await TestNodes.StartAsync("receiver", events, o => o with { DownloadsDirectory = _dir.Combine("downloads") });

        // Opening a FIFO waits for a writer: without the check this never returns.
        var offer = await sender.OfferFileAsync(TestNodes.KeyOf(receiver), Fifo()).WaitAsync(Answer);

        Assert.False(offer.Success);
        Assert.Contains("is not a regular file", offer.Error);
        Assert.Empty(sender.Transfers);
        Assert.Empty(events.All<TransferOffered>());
    }
}
