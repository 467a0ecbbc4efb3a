using System.Text.Json;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary><c>send-file</c>, <c>transfers</c> and <c>listen --json</c> as a user runs them: real processes on 127.0.0.1.</summary>
public sealed class FileCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DataDir => Path.Combine(_dir.Path, "cli");

    // Where received files go, for the in-process receiver or the listen node.
    private string Downloads => Path.Combine(_dir.Path, "downloads");

    private Task<ChatNode> StartReceiverAsync(EventWaiter events) =>
        TestNodes.StartAsync("receiver", events, o => o with { DownloadsDirectory = Downloads });

    private Task<(int ExitCode, string Stdout, string Stderr)> SendFile(string to, string path) =>
        CliProcess.RunAsync("send-file", "--data-dir", DataDir, "--to", to, "--name", "scripted", "--from-port", "4321",
            "--advertise-ip", "127.0.0.1", path);

    // `listen --json` on this test's data directory, once it answers on its control socket (one-off commands hand their
    // work to it from then on); its port.
    private async Task<(CliProcess Listen, int Port)> StartRunnerAsync(params string[] extra)
    {
        var listen = CliProcess.Start(["listen", "--data-dir", DataDir, "--name", "runner", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", .. extra]);
        try
        {
            var started = await listen.Stdout.WaitForAsync("\"node_started\"", timeout: TimeSpan.FromSeconds(60));
            await Eventually.HoldsAsync(() => File.Exists(Path.Combine(DataDir, "control.sock")), "the control socket exists");
            return (listen, JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32());
        }
        catch
        {
            await listen.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Send_file_waits_for_acceptance_shows_progress_and_exits_zero_once_verified()
    {
        var events = new EventWaiter();
        await using var node = await StartReceiverAsync(events);
        TestFiles.AcceptEverything(node);
        var source = TestFiles.Random(_dir, "cli.bin", 3 * 1024 * 1024 + 5);

        var (code, stdout, stderr) = await SendFile($"127.0.0.1:{node.Port}", source);

        Assert.True(code == 0, stderr);
        Assert.Contains("Offered cli.bin (3 MiB, SHA-256", stdout);
        Assert.Contains("waiting for them to accept", stdout);
        Assert.Contains("100% (3 MiB of 3 MiB", stdout);
        Assert.Contains("Sent cli.bin to receiver", stdout);
        Assert.Contains("the receiver verified its SHA-256", stdout);
        var done = await events.WaitFor<TransferCompleted>();
        Assert.Equal(TestFiles.Sha256(source), TestFiles.Sha256(done.Transfer.Path));

        var (listCode, list, _) = await CliProcess.RunAsync("transfers", "--data-dir", DataDir);
        Assert.Equal(0, listCode);
        Assert.Contains("-> cli.bin to receiver", list);
        Assert.Contains("completed, SHA-256 verified", list);
    }

    [Fact]
    public async Task Send_file_on_a_running_nodes_data_directory_is_sent_by_that_node()
    {
        // The receiver answers the offer to the node its peer ID names: the running one. Found from outside: send-file
        // made the offer itself, never heard the accept, and waited for ever.
        var (listen, _) = await StartRunnerAsync();
        await using var _listen = listen;
        var events = new EventWaiter();
        await using var node = await StartReceiverAsync(events);
        TestFiles.AcceptEverything(node);
        var source = TestFiles.Random(_dir, "handed.bin", 200_000);

        var (code, stdout, stderr) = await SendFile($"127.0.0.1:{node.Port}", source);

        Assert.True(code == 0, stderr);
        Assert.Contains($"The node running on {DataDir} sends it", stdout);
        Assert.Contains("Sent handed.bin to receiver", stdout);
        Assert.Contains("the receiver verified its SHA-256", stdout);
        var done = await events.WaitFor<TransferCompleted>();
        Assert.Equal(TestFiles.Sha256(source), TestFiles.Sha256(done.Transfer.Path));
        Assert.Contains("\"transfer_completed\"", await listen.Stdout.WaitForAsync("\"transfer_completed\""));
    }

    [Fact]
    public async Task Ctrl_C_while_a_running_node_sends_the_file_stops_the_waiting_with_a_line_and_exit_3()
    {
        var (listen, _) = await StartRunnerAsync();
        await using var _listen = listen;
        var events = new EventWaiter();
        // The receiver never answers the offer: send-file waits until Ctrl+C.
        await using var node = await StartReceiverAsync(events);
        await using var sending = CliProcess.Start("send-file", "--data-dir", DataDir, "--to", $"127.0.0.1:{node.Port}", "--name", "scripted",
            "--from-port", "4321", "--advertise-ip", "127.0.0.1", TestFiles.Random(_dir, "waits.bin", 1000));
        await sending.Stdout.WaitForAsync("The node running on", timeout: TimeSpan.FromSeconds(60));
        await events.WaitFor<TransferOffered>();

        sending.Signal("INT");

        Assert.Equal(3, await sending.WaitForExitAsync());
        Assert.Contains("stopped waiting; the node running on", sending.Stderr.Text);
        // The running node still has the offer out: only the waiting stopped.
        var (code, list, _) = await CliProcess.RunAsync("transfers", "--data-dir", DataDir);
        Assert.Equal(0, code);
        Assert.Contains("-> waits.bin to receiver", list);
    }

    [Fact]
    public async Task Transfers_lists_an_offer_waiting_for_an_answer_with_the_id_transfers_accept_takes()
    {
        // The offer is in the running node's memory only: found from outside, `transfers` said "No transfers." while
        // `transfers accept` needed its ID.
        var (listen, port) = await StartRunnerAsync("--downloads", Downloads);
        await using var _listen = listen;
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        var offer = (await alice.OfferFileAsync(new Core.Peers.PeerKey("127.0.0.1", port), TestFiles.Random(_dir, "waiting.bin", 5000))).Info();
        await listen.Stdout.WaitForAsync("\"transfer_offered\"");

        var (code, text, stderr) = await CliProcess.RunAsync("transfers", "--data-dir", DataDir);
        var (jsonCode, json, _) = await CliProcess.RunAsync("transfers", "--data-dir", DataDir, "--json");

        Assert.True(code == 0, stderr);
        var shortId = offer.Id.ToString("N")[..12];
        Assert.Contains($"<- waiting.bin from alice", text);
        Assert.Contains($"waiting for your answer: transfers accept|decline {shortId}", text);
        Assert.Equal(0, jsonCode);
        var listed = JsonDocument.Parse(json).RootElement.EnumerateArray().Single();
        Assert.Equal(offer.Id.ToString(), listed.GetProperty("transferId").GetString());
        Assert.Equal("offered", listed.GetProperty("state").GetString());
        Assert.Equal("incoming", listed.GetProperty("direction").GetString());

        var (acceptCode, _, acceptError) = await CliProcess.RunAsync("transfers", "accept", shortId, "--data-dir", DataDir);
        Assert.True(acceptCode == 0, acceptError);
        await aliceEvents.For<TransferCompleted>(offer.Id);

        // --limit counts the offers too: with one completed and one waiting, --limit 1 shows the waiting one only.
        var second = (await alice.OfferFileAsync(new Core.Peers.PeerKey("127.0.0.1", port), TestFiles.Random(_dir, "second.bin", 100))).Info();
        await listen.Stdout.WaitUntilAsync(t => t.Split('\n').Count(l => l.Contains("\"transfer_offered\"")) == 2, "the second offer");
        var (_, limited, _) = await CliProcess.RunAsync("transfers", "--data-dir", DataDir, "--limit", "1");
        var line = Assert.Single(limited.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("<- second.bin from alice", line);
        Assert.Contains($"waiting for your answer: transfers accept|decline {second.Id.ToString("N")[..12]}", line);

        // Declined: no file was kept, so no path is shown (a .part path that did not exist was, found from outside).
        Assert.Equal(0, (await CliProcess.RunAsync("transfers", "decline", second.Id.ToString("N")[..12], "--data-dir", DataDir)).ExitCode);
        await aliceEvents.For<TransferDeclined>(second.Id);
        var (_, after, _) = await CliProcess.RunAsync("transfers", "--data-dir", DataDir);
        var declined = Assert.Single(after.Split('\n'), l => l.Contains("second.bin"));
        Assert.DoesNotContain(".part", declined);
        Assert.Contains(Downloads, Assert.Single(after.Split('\n'), l => l.Contains("waiting.bin")));
    }

    [Fact]
    public async Task Send_file_to_a_legacy_peer_fails_with_a_clear_message()
    {
        await using var oldPeer = RawLegacyPeer.Start();

        var (code, _, stderr) = await SendFile($"127.0.0.1:{oldPeer.Port}", TestFiles.Random(_dir, "x.bin", 100));

        Assert.Equal(1, code);
        Assert.Contains("legacy", stderr);
        Assert.Contains("cannot receive files", stderr);
    }

    [Fact]
    public async Task Send_file_that_is_declined_exits_non_zero_with_the_reason()
    {
        await using var node = await TestNodes.StartAsync("receiver", configure: o => o with { DownloadsDirectory = _dir.Path });
        node.EventRaised += e =>
        {
            if (e is TransferOffered o)
                _ = node.DeclineTransferAsync(o.Transfer.Id, "no thanks");
        };

        var (code, _, stderr) = await SendFile($"127.0.0.1:{node.Port}", TestFiles.Random(_dir, "y.bin", 100));

        Assert.Equal(1, code);
        Assert.Contains("declined", stderr);
        Assert.Contains("no thanks", stderr);
    }

    [Fact]
    public async Task Listen_json_reports_an_incoming_offer_and_the_size_cap_option_refuses_big_ones()
    {
        await using var listen = CliProcess.Start("listen", "--data-dir", DataDir, "--name", "cli", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", "--max-transfer-bytes", "1K");
        var started = await listen.Stdout.WaitForAsync("\"node_started\"");
        var port = JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32();
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);

        var small = (await alice.OfferFileAsync(new Core.Peers.PeerKey("127.0.0.1", port), TestFiles.Random(_dir, "small.txt", 1024))).Info();
        var big = (await alice.OfferFileAsync(new Core.Peers.PeerKey("127.0.0.1", port), TestFiles.Random(_dir, "big.txt", 1025))).Info();

        var lines = await listen.Stdout.WaitForAsync("\"transfer_declined\"");
        await listen.Stdout.WaitForAsync("\"transfer_offered\"");
        var json = listen.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var offered = json.Single(e => e.GetProperty("type").GetString() == "transfer_offered");
        Assert.Equal(small.Id.ToString(), offered.GetProperty("transferId").GetString());
        Assert.Equal("small.txt", offered.GetProperty("name").GetString());
        Assert.Equal(1024, offered.GetProperty("size").GetInt64());
        Assert.Equal(small.Sha256, offered.GetProperty("sha256").GetString());
        Assert.Equal("incoming", offered.GetProperty("direction").GetString());
        Assert.Equal(alice.Identity.Id.ToString(), offered.GetProperty("peerId").GetString());
        var declined = json.Single(e => e.GetProperty("type").GetString() == "transfer_declined");
        Assert.Equal(big.Id.ToString(), declined.GetProperty("transferId").GetString());
        Assert.Contains("limit of 1 KiB", (await aliceEvents.For<TransferDeclined>(big.Id)).Reason);

        listen.Terminate();
        Assert.Equal(0, await listen.WaitForExitAsync());
    }
}
