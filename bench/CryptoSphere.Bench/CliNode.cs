using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace CryptoSphere.Bench;

/// <summary>
/// The real <c>cryptosphere</c> program in its own process, as a user runs it: <c>listen --json</c> with a data
/// directory on disk and the shipped settings (only the address, port and name are given; discovery off so
/// a benchmark never announces itself on the network). Its standard output is read line by line on a thread
/// of its own, each line handed to <see cref="OnLine"/> with the time it was read.
/// </summary>
internal sealed class CliNode : IDisposable
{
    private readonly Process _process;
    private readonly Thread _reader;
    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliNode(Process process, Action<string, long>? onLine)
    {
        _process = process;
        ChildProcesses.Add(process);
        OnLine = onLine;
        _reader = new Thread(ReadLines) { IsBackground = true, Name = "cli-stdout" };
        _reader.Start();
    }

    public Action<string, long>? OnLine { get; set; }

    public int Pid => _process.Id;

    public int Port { get; private set; }

    public string DataDir { get; private init; } = "";

    public StreamWriter Stdin => _process.StandardInput;

    /// <summary>Where the program is: the dll built next to the bench (run with <c>dotnet</c>), or <c>--cli PATH</c>
    /// (a dll, or an apphost or native executable run directly).</summary>
    public static string Program { get; set; } = Path.Combine(AppContext.BaseDirectory, "cryptosphere.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        if (!File.Exists(Program))
            throw new ArgumentException($"{Program} is missing: build the CLI (it is built next to the bench) or give --cli PATH");
        var viaDotnet = Program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(viaDotnet ? "dotnet" : Program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (viaDotnet)
            info.ArgumentList.Add(Program);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        info.Environment["CRYPTOSPHERE_DISCOVERY"] = "off";
        return info;
    }

    /// <summary>Starts <c>listen --json</c> (with <c>--commands</c> when asked) and waits for its node_started line.</summary>
    public static CliNode Listen(string name, string dataDir, bool commands = false, Action<string, long>? onLine = null, string[]? extra = null)
    {
        var args = new List<string> { "listen", "--json", "--data-dir", dataDir, "--name", name, "--port", FreePort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--no-discovery" };
        if (commands)
            args.Add("--commands");
        args.AddRange(extra ?? []);
        var process = Process.Start(StartInfo(args))!;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        process.BeginErrorReadLine();
        var node = new CliNode(process, onLine) { DataDir = dataDir };
        if (!node._started.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            node.Dispose();
            throw new InvalidOperationException($"{name}: no node_started line within 60 s");
        }
        node.Port = node._started.Task.Result;
        return node;
    }

    private void ReadLines()
    {
        var output = _process.StandardOutput;
        while (output.ReadLine() is { } line)
        {
            var now = Stopwatch.GetTimestamp();
            if (!_started.Task.IsCompleted && line.Contains("\"node_started\"", StringComparison.Ordinal))
                _started.TrySetResult(JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32());
            OnLine?.Invoke(line, now);
        }
        _started.TrySetException(new InvalidOperationException("the program ended before its node started"));
    }

    /// <summary>Resident memory now (VmRSS) and at its peak (VmHWM), KiB.</summary>
    public (long Rss, long Peak) MemoryKiB() => (Status("VmRSS:"), Status("VmHWM:"));

    private long Status(string field) =>
        long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    /// <summary>CPU seconds (user + system) the process has used so far.</summary>
    public double CpuSeconds() => Machine.CpuSeconds(_process.Id);

    /// <summary>SIGTERM, as a service manager stops it; waits for a clean exit (the node says goodbye and closes its database).</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_process.HasExited)
            return true;
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]) { UseShellExecute = false }))
            kill?.WaitForExit();
        if (_process.WaitForExit(timeout))
        {
            _reader.Join(TimeSpan.FromSeconds(5));
            return true;
        }
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        ChildProcesses.Remove(_process);
        _process.Dispose();
    }

    /// <summary>
    /// <see cref="Stop"/> for many nodes at once: one SIGTERM to each (a single <c>kill</c> process), then each waited
    /// for; those not gone within <paramref name="timeout"/> are killed. Returns how many had to be killed.
    /// </summary>
    public static int StopAll(IReadOnlyCollection<CliNode> nodes, TimeSpan timeout)
    {
        var running = nodes.Where(n => !n._process.HasExited).ToList();
        if (running.Count == 0)
            return 0;
        var info = new ProcessStartInfo("kill") { UseShellExecute = false };
        info.ArgumentList.Add("-TERM");
        foreach (var node in running)
            info.ArgumentList.Add(node._process.Id.ToString());
        using (var kill = Process.Start(info))
            kill?.WaitForExit();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var killed = 0;
        foreach (var node in running)
        {
            var left = TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
            if (node._process.WaitForExit(left))
            {
                node._reader.Join(TimeSpan.FromSeconds(5));
                continue;
            }
            node._process.Kill(entireProcessTree: true);
            node._process.WaitForExit();
            killed++;
        }
        return killed;
    }

    /// <summary>Runs a one-off command of the program (such as <c>id</c> or <c>trust</c>) and returns what it printed; throws when it fails.</summary>
    public static string RunOnce(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        ChildProcesses.Add(process);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        ChildProcesses.Remove(process);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cryptosphere {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result.Trim()}");
        return stdout;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Counts rows of a table in a node's database, after the node has stopped.</summary>
    public static long CountRows(string dataDir, string sql)
    {
        var path = Path.Combine(dataDir, Core.Storage.ChatStore.FileName);
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }
}
