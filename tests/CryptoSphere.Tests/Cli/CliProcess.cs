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

    public static CliProcess Start(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "cryptosphere.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(program);
        // Tests never announce on the real network.
        info.Environment["CRYPTOSPHERE_DISCOVERY"] = "off";
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
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
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
