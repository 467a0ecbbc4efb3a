using System.Diagnostics;

namespace CryptoSphere.Tests.Faults;

/// <summary>
/// Runs one command of a namespace lab (ip, nft, sysctl through <c>ip netns exec</c>) with a time limit; a failure
/// is logged with its output and returned, never thrown, so teardown can go on after one.
/// </summary>
internal static class LabCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task<(bool Ok, string Output)> TryRunAsync(IReadOnlyList<string> command, string? stdin, Action<string> log)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1))
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return (false, $"no answer within {Timeout.TotalSeconds} s");
        }
        var text = (await stdout + await stderr).Trim();
        if (process.ExitCode != 0)
            log($"{string.Join(' ', command)} -> {process.ExitCode}: {text}");
        return (process.ExitCode == 0, text);
    }
}
