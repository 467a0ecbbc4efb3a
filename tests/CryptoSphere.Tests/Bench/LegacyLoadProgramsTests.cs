using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSphere.Bench;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Bench;

/// <summary>
/// The legacy benchmark's C programs (bench/native), compiled and run as the bench runs them: the load generator's
/// accounting must show every message as read, refused or closed unread, never lose one silently, and the minimal
/// server must see each connection's bytes once.
/// </summary>
public sealed class LegacyLoadProgramsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [GccFact]
    public void EveryMessageToTheMinimalServerIsReadOnceWithItsSequenceNumbers()
    {
        var (load, server) = Compile();
        using var serverProcess = Start(server);
        var port = int.Parse(serverProcess.StandardOutput.ReadLine()!["port ".Length..], CultureInfo.InvariantCulture);
        var got = new List<string>();
        var reader = Task.Run(() =>
        {
            while (got.Count < 400 && serverProcess.StandardOutput.ReadLine() is { } line)
                got.Add(line);
        });

        var report = RunLoad(load, port, senders: 4, maxMessages: 400);

        Assert.True(reader.Wait(Patience), $"the server printed {got.Count} of 400 lines");
        serverProcess.StandardInput.Close();
        Assert.True(serverProcess.WaitForExit(Patience));
        Assert.Equal(400, report.Senders.Sum(s => s.Sent));
        Assert.All(report.Senders, s =>
        {
            Assert.Equal((0L, 0L, 0L, 0L), (s.Refused, s.ClosedUnread, s.ConnectFailures, s.WriteFailures));
            Assert.Equal(s.Sent * (s.Sent - 1) / 2, s.SeqSum); // 0, 1, 2, ... each once
        });
        Assert.Equal((400L, 0L, 0, true), (report.Attempts, report.Unanswered, report.Hung, report.Drained));
        // Every connection's bytes, as the messages the senders wrote: "<127.0.0.(2+i):PORT> @ <bench>\nSEQ\n<end>".
        var expected = report.Senders.SelectMany((s, i) => Enumerable.Range(0, (int)s.Sent)
            .Select(seq => $"got {Encoding.UTF8.GetByteCount($"<127.0.0.{2 + i}:{20_001 + i}> @ <bench>\n{seq}\n<end>")}"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), got.Order(StringComparer.Ordinal));
    }

    [GccFact]
    public void EachSenderConnectsFromItsOwnLoopbackAddressAndNamesItInItsHeader()
    {
        // As that many machines would: each sender has its own address, so its own ephemeral port range (one shared
        // address made connect()'s search for a free port the run's main cost).
        var (load, _) = Compile();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        var seen = new List<(string Remote, string Header)>();
        var reader = new Thread(() =>
        {
            while (seen.Count < 30)
            {
                using var socket = listener.Accept();
                var bytes = new List<byte>();
                var buffer = new byte[256];
                for (int n; (n = socket.Receive(buffer)) > 0;)
                    bytes.AddRange(buffer.AsSpan(0, n));
                var text = Encoding.UTF8.GetString([.. bytes]);
                seen.Add((((IPEndPoint)socket.RemoteEndPoint!).Address.ToString(), text[1..text.IndexOf('>', StringComparison.Ordinal)]));
            }
        }) { IsBackground = true };
        reader.Start();

        var report = RunLoad(load, ((IPEndPoint)listener.LocalEndPoint!).Port, senders: 3, maxMessages: 30);

        Assert.True(reader.Join(Patience), $"the listener got {seen.Count} of 30 messages");
        Assert.Equal(30, report.Senders.Sum(s => s.Read));
        Assert.All(seen, m => Assert.StartsWith(m.Remote + ":", m.Header, StringComparison.Ordinal));
        // Sender i's messages, as many as it says were read, came from 127.0.0.(2+i) (which senders win the 30 attempts varies).
        for (var i = 0; i < 3; i++)
            Assert.Equal(report.Senders[i].Read, seen.Count(m => m.Header == $"127.0.0.{2 + i}:{20_001 + i}"));
    }

    [GccFact]
    public void MessagesTheReceiverClosedUnreadAreCountedNotRead()
    {
        var (load, _) = Compile();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        // Waits for each message to arrive, then closes without reading it: the kernel answers with a reset.
        var closer = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    using var socket = listener.Accept();
                    socket.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }) { IsBackground = true };
        closer.Start();

        var report = RunLoad(load, ((IPEndPoint)listener.LocalEndPoint!).Port, senders: 2, maxMessages: 50);

        listener.Dispose();
        Assert.Equal(50, report.Attempts);
        // Each attempt was turned away, at the write or after it; none counts as read.
        Assert.Equal(50, report.Senders.Sum(s => s.Refused + s.Sent));
        Assert.All(report.Senders, s => Assert.Equal((s.Sent, s.SeqSum, 0L), (s.ClosedUnread, s.UnreadSeqSum, s.Read)));
        Assert.True(report.Senders.Sum(s => s.ClosedUnread) > 0, "no message was written before the reset");
        Assert.Equal((0L, 0L, 0L, true), (report.Senders.Sum(s => s.ConnectFailures + s.WriteFailures), report.Unanswered, (long)report.Hung, report.Drained));
    }

    [GccFact]
    public void ConnectionsRefusedAtConnectAreCountedAsRefused()
    {
        var (load, _) = Compile();
        int port;
        using (var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)taken.LocalEndPoint!).Port; // bound, never listening: connects are refused
            var report = RunLoad(load, port, senders: 1, maxMessages: 20);
            Assert.Equal(new SenderTally(0, 0, 20, 0, 0, 0, 0, "connect: Connection refused"), report.Senders.Single());
        }
    }

    [GccFact]
    public void BadArgumentsGetAOneLineErrorAndExitCode2()
    {
        var (load, _) = Compile();
        using var process = Start(load, "0", "8", "3", "100");
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(Patience));
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("legacy-load: PORT must be an integer in 1..65535, not '0'", error.Trim());
    }

    private (string Load, string Server) Compile()
    {
        var sources = Path.Combine(AppContext.BaseDirectory, "native");
        foreach (var name in new[] { "legacy-load", "legacy-server" })
        {
            using var gcc = Start(GccFactAttribute.Gcc!, "-O2", "-pthread", "-Wall", "-Wextra", "-Werror", "-o", _dir.Combine(name), Path.Combine(sources, name + ".c"));
            var errors = gcc.StandardError.ReadToEndAsync();
            Assert.True(gcc.WaitForExit(Patience));
            Assert.True(gcc.ExitCode == 0, $"gcc {name}.c: {errors.Result}");
        }
        return (_dir.Combine("legacy-load"), _dir.Combine("legacy-server"));
    }

    private static LegacyLoadReport RunLoad(string load, int port, int senders, int maxMessages)
    {
        using var process = Start(load, port.ToString(CultureInfo.InvariantCulture), senders.ToString(CultureInfo.InvariantCulture), "600",
            maxMessages.ToString(CultureInfo.InvariantCulture), "20001", "bench");
        var errors = process.StandardError.ReadToEndAsync();
        Assert.Equal("ready", process.StandardOutput.ReadLine());
        process.StandardInput.WriteLine("go");
        process.StandardInput.Close();
        var lines = new List<string>();
        var reading = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
                lines.Add(line);
        });
        Assert.True(reading.Wait(Patience) && process.WaitForExit(Patience), "the load generator did not finish");
        Assert.True(process.ExitCode == 0, errors.Result);
        return LegacyLoadReport.Parse(lines);
    }

    private static Process Start(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }
}
