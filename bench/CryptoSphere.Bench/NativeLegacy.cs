using System.Diagnostics;
using System.Globalization;

namespace CryptoSphere.Bench;

/// <summary>
/// The C programs of the legacy benchmark (<c>bench/native</c>, copied next to the bench): a load generator whose
/// senders cost little CPU, and the minimal accept-and-read server. They are compiled with gcc into a temporary
/// directory the first time a run needs them, so the bench needs no build step of its own beyond <c>dotnet build</c>.
/// </summary>
internal static class NativeLegacy
{
    private static readonly Lazy<string> Built = new(Build);

    /// <summary>gcc on PATH, or null.</summary>
    public static string? Compiler { get; } = FindOnPath("gcc");

    public static string LoadGenerator => Path.Combine(Built.Value, "legacy-load");

    public static string Server => Path.Combine(Built.Value, "legacy-server");

    /// <summary>Runs the load generator against a port and returns its report, and the Stopwatch timestamp at which it was told to start.</summary>
    public static (LegacyLoadReport Report, long Start) Send(int port, int senders, double seconds, int maxMessages)
    {
        var info = new ProcessStartInfo(LoadGenerator)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { port.ToString(CultureInfo.InvariantCulture), senders.ToString(CultureInfo.InvariantCulture),
                     seconds.ToString("R", CultureInfo.InvariantCulture), maxMessages.ToString(CultureInfo.InvariantCulture),
                     BenchNode.HeaderPortBase.ToString(CultureInfo.InvariantCulture), BenchNode.Team })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        ChildProcesses.Add(process);
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var ready = process.StandardOutput.ReadLine();
            if (ready != "ready")
                throw new InvalidOperationException($"the load generator did not start: {ready ?? stderr.Result.Trim()}");
            var start = Stopwatch.GetTimestamp();
            process.StandardInput.WriteLine("go");
            process.StandardInput.Close();
            var lines = new List<string>();
            while (process.StandardOutput.ReadLine() is { } line)
                lines.Add(line);
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"the load generator exited {process.ExitCode}: {stderr.Result.Trim()}");
            return (LegacyLoadReport.Parse(lines), start);
        }
        finally
        {
            ChildProcesses.Remove(process);
        }
    }

    /// <summary>Compiles the programs now; returns why it failed, in one line, or null.</summary>
    public static string? TryBuild()
    {
        try
        {
            _ = Built.Value;
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    private static string Build()
    {
        if (Compiler is null)
            throw new InvalidOperationException("gcc is not on PATH (apt-get install gcc)");
        var sources = Path.Combine(AppContext.BaseDirectory, "native");
        var output = Directory.CreateTempSubdirectory("cryptosphere-bench-native-").FullName;
        foreach (var name in new[] { "legacy-load", "legacy-server" })
        {
            var info = new ProcessStartInfo(Compiler)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var arg in new[] { "-O2", "-pthread", "-Wall", "-Wextra", "-o", Path.Combine(output, name), Path.Combine(sources, name + ".c") })
                info.ArgumentList.Add(arg);
            using var gcc = Process.Start(info)!;
            var errors = gcc.StandardError.ReadToEndAsync();
            gcc.StandardOutput.ReadToEnd();
            gcc.WaitForExit();
            if (gcc.ExitCode != 0)
                throw new InvalidOperationException($"gcc could not compile {name}.c: {errors.Result.Trim().Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.Ordinal))}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(output, recursive: true); } catch (IOException) { }
        };
        return output;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}
