using System.CommandLine;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CryptoSphere.Cli.Control;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using Spectre.Console;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// <c>send-file</c>: offers one file, waits for the peer to accept, shows progress, and exits 0 once the
/// receiver has verified the SHA-256. Run again after an interruption, it resumes where the data stopped.
/// </summary>
internal static class SendFileCommand
{
    private const int Interrupted = 3;

    public static Command Create()
    {
        var common = new OneOffOptions("Seconds to wait for the connection");
        var sendAs = new Option<string?>("--as") { Description = "The name the receiver sees (default: the file's own name)" };
        var plain = new Option<bool>("--plain") { Description = "Progress as plain lines, also on a terminal" };
        var path = new Argument<string>("path") { Description = "The file to send" };
        var command = new Command("send-file",
            "Offer a file to a peer, wait for it to accept, send it and exit once the receiver verified it. With a node running on " +
            "the data directory, that node sends it (the receiver answers it) and this waits for the end, without progress.\n" +
            "Exit codes: 0 verified by the receiver, 1 refused, declined, cancelled or failed, 2 bad setup, " +
            $"{Interrupted} interrupted (run the same command again to resume).");
        common.AddTo(command);
        command.Options.Add(sendAs);
        command.Options.Add(plain);
        command.Arguments.Add(path);
        // A name the offer cannot carry is bad input, found before anything starts (exit 2, not a failed send).
        sendAs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } name && SafeFileName.OfferProblem(name) is { } problem)
                r.AddError($"--as: {problem}");
        });

        command.SetAction(async (result, ct) =>
        {
            var dataDir = result.GetValue(common.DataDir)!;
            var file = result.GetValue(path)!;
            // Before anything else: a mistyped path changes nothing, here or in a running node.
            if (SourceFile.Problem(file) is { } missing)
            {
                await Console.Error.WriteLineAsync($"cryptosphere: {TerminalText.Safe(missing)}");
                return UsageErrors.ExitCode;
            }
            // A node running on the data directory is the one the receiver answers: it sends the file (no progress here).
            var request = new JsonObject
            {
                ["op"] = "send-file", ["to"] = result.GetValue(common.To), ["path"] = Path.GetFullPath(file),
                ["as"] = result.GetValue(sendAs),
            };
            // Ctrl+C while a running node sends it stops the waiting only, with a line that says so (exit 3).
            using (var waiting = new ShutdownSignal(ct))
            {
                if (await ControlClient.TryRunAsync(dataDir, request, Timeout.InfiniteTimeSpan, waiting.Token, started: () => Console.WriteLine(
                        $"The node running on {dataDir} sends it; waiting until the receiver has verified it (Ctrl-C stops waiting, " +
                        "not the transfer: `cryptosphere transfers` shows it)...")) is { } forwarded)
                    return forwarded.Print();
            }
            using var profile = Profile.Open(dataDir);
            if (profile is null)
                return 2;
            var wait = TimeSpan.FromSeconds(Math.Max(1, result.GetValue(common.Timeout)));
            await using var node = SendOnlyNode.Create(profile, result.GetValue(common.Name)!, result.GetValue(common.AdvertiseIp), wait);
            // Events are kept from the start: an answer can arrive before the offer call returns.
            var events = Channel.CreateUnbounded<NodeEvent>();
            node.EventRaised += e => events.Writer.TryWrite(e);
            node.StartSendOnly(result.GetValue(common.FromPort)!.Value);
            using var signal = new ShutdownSignal(ct);

            var target = result.GetValue(common.To)!;
            if (SendFileAction.Check(node, target, file, profile.Trust, out var address, out var id) is { } refused)
            {
                await Console.Error.WriteLineAsync($"cryptosphere: {refused}");
                return UsageErrors.ExitCode;
            }
            Console.WriteLine($"Hashing {file}...");
            OfferResult offer;
            try
            {
                offer = address is { } to
                    ? await node.OfferFileAsync(to, file, result.GetValue(sendAs), signal.Token)
                    : await node.OfferFileAsync(id, file, result.GetValue(sendAs), signal.Token);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("cryptosphere: interrupted before the offer went out");
                return Interrupted;
            }
            if (!offer.Success)
            {
                await Console.Error.WriteLineAsync($"cryptosphere: cannot send {file} to {target}: {TerminalText.Safe(offer.Error)}.");
                return 1;
            }

            var transfer = offer.Transfer!;
            Console.WriteLine($"{(offer.Resumed ? "Offered again (resuming)" : "Offered")} {TransferText.File(transfer)} to {TransferText.Who(transfer)}; " +
                              "waiting for them to accept...");
            var terminal = !result.GetValue(plain) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            var outcome = terminal
                ? await WithProgressBarAsync(events.Reader, transfer, signal.Token)
                : await WithProgressLinesAsync(events.Reader, transfer, signal.Token);
            return await ReportAsync(outcome, node.FindTransfer(transfer.Id) ?? transfer);
        });
        return command;
    }

    /// <summary>Waits for the end of the transfer, printing a line per second of progress (pipes, logs).</summary>
    private static async Task<NodeEvent?> WithProgressLinesAsync(ChannelReader<NodeEvent> events, TransferInfo transfer, CancellationToken ct)
    {
        var lastLine = DateTimeOffset.MinValue;
        return await WaitAsync(events, transfer.Id, e =>
        {
            if (e is TransferProgress p && (p.Time - lastLine >= TimeSpan.FromSeconds(1) || p.Transfer.Bytes == p.Transfer.Size))
            {
                lastLine = p.Time;
                Console.WriteLine(EventText.Describe(p));
            }
            else if (e is TransferAccepted or TransferInterrupted && EventText.Describe(e) is { } line)
                Console.WriteLine(line);
        }, ct);
    }

    /// <summary>Waits for the end of the transfer under a live Spectre.Console progress bar: bytes, rate, time left.</summary>
    private static async Task<NodeEvent?> WithProgressBarAsync(ChannelReader<NodeEvent> events, TransferInfo transfer, CancellationToken ct)
    {
        NodeEvent? outcome = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(TerminalText.Safe(transfer.Name)), maxValue: Math.Max(1, transfer.Size));
                task.Value = transfer.Bytes;
                outcome = await WaitAsync(events, transfer.Id, e =>
                {
                    switch (e)
                    {
                        case TransferProgress p:
                            task.Value = p.Transfer.Bytes;
                            break;
                        case TransferAccepted a:
                            task.Description = Markup.Escape(TerminalText.Safe(transfer.Name));
                            task.Value = a.ResumeOffset;
                            break;
                        case TransferInterrupted:
                            task.Description = Markup.Escape($"{TerminalText.Safe(transfer.Name)} (connection lost, waiting for the peer)");
                            break;
                        case TransferCompleted:
                            task.Value = task.MaxValue;
                            break;
                    }
                }, ct);
            });
        return outcome;
    }

    /// <summary>Reads events until this transfer ends; null when the user interrupted.</summary>
    internal static async Task<NodeEvent?> WaitAsync(ChannelReader<NodeEvent> events, Guid id, Action<NodeEvent> show, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var e = await events.ReadAsync(ct);
                if (IdOf(e) != id)
                    continue;
                show(e);
                if (e is TransferCompleted or TransferFailed or TransferDeclined or TransferCancelled)
                    return e;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<int> ReportAsync(NodeEvent? outcome, TransferInfo transfer)
    {
        switch (outcome)
        {
            case TransferCompleted c:
                Console.WriteLine(EventText.Describe(c));
                return 0;
            case null:
                await Console.Error.WriteLineAsync(
                    $"cryptosphere: interrupted at {TransferText.Percent(transfer)} ({Sizes.Describe(transfer.Bytes)} of {Sizes.Describe(transfer.Size)} " +
                    "verified by the receiver); run the same command again to resume.");
                return Interrupted;
            default:
                await Console.Error.WriteLineAsync($"cryptosphere: {EventText.Describe(outcome)}");
                return 1;
        }
    }

    private static Guid? IdOf(NodeEvent e) => e switch
    {
        TransferAccepted x => x.Transfer.Id,
        TransferProgress x => x.Transfer.Id,
        TransferInterrupted x => x.Transfer.Id,
        TransferCompleted x => x.Transfer.Id,
        TransferFailed x => x.Transfer.Id,
        TransferDeclined x => x.Transfer.Id,
        TransferCancelled x => x.Transfer.Id,
        _ => null,
    };
}
