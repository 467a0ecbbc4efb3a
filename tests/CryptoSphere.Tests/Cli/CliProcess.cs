using System.Diagnostics;

namespace CryptoSphere.Tests.Cli;

/// <summary>The real <c>cryptosphere</c> program as a child process, with its output captured.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;

    private CliProcess(Process process)
    {
        _process = process;
    }

    public CapturedOutput Stdout { get; } = new();

    public CapturedOutput Stderr { get; } = new();

    public StreamWriter Stdin => _process.StandardInput;

    /// <summary>
    /// Names a published program to test instead of the cryptosphere.dll built next to the tests, e.g. the native
    /// build install.sh puts in place: <c>CRYPTOSPHERE_TEST_PROGRAM=/tmp/cs/bin/cryptosphere dotnet test</c>.
    /// </summary>
    public const string ProgramVariable = "CRYPTOSPHERE_TEST_PROGRAM";

    public static CliProcess Start(params string[] args) => StartIn(null, discovery: false, args);

    /// <summary>
    /// Starts the program inside the network namespace <paramref name="networkNamespace"/> (through
    /// <c>ip netns exec</c>, which execs it: the child's PID is the program's) when one is given.
    /// <paramref name="discovery"/> leaves LAN discovery on: only for namespaces a test created, never the real network.
    /// </summary>
    public static CliProcess StartIn(string? networkNamespace, bool discovery, params string[] args)
    {
        // The built dll, run by `dotnet`; or a published program (install.sh's native build), run as it is.
        var published = Environment.GetEnvironmentVariable(ProgramVariable) is { Length: > 0 } path ? path : null;
        var launcher = published is null ? new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "cryptosphere.dll") } : [published];
        var info = new ProcessStartInfo(networkNamespace is null ? launcher[0] : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (networkNamespace is not null)
        {
            foreach (var a in new[] { "netns", "exec", networkNamespace, launcher[0] })
                info.ArgumentList.Add(a);
        }
        foreach (var a in launcher.Skip(1))
            info.ArgumentList.Add(a);
        if (discovery && networkNamespace is not null)
            info.Environment.Remove("CRYPTOSPHERE_DISCOVERY");
        else
            info.Environment["CRYPTOSPHERE_DISCOVERY"] = "off"; // tests never announce on the real network
        foreach (var a in args)
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) cli.Stdout.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) cli.Stderr.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs to completion and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await using var cli = Start(args);
        cli.Stdin.Close();
        var code = await cli.WaitForExitAsync();
        return (code, cli.Stdout.Text, cli.Stderr.Text);
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager would stop it.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Sends a signal by name with kill(1): TERM, STOP (freezes it, as a long stall would), CONT.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString()])!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL at once, without waiting for the exit: cheap enough to call from an event handler.</summary>
    public void KillNow()
    {
        if (!_process.HasExited)
            _process.Kill();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: the process gets no chance to clean up, as on a crash or power-off of the program.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
            return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
