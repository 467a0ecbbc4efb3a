using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CryptoSphere.Bench;

/// <summary>
/// Every process a benchmark started and has not yet ended. A run of a hundred nodes must not leave a hundred
/// orphans when it fails or is stopped: on Ctrl+C, SIGTERM or exit the ones still running are killed.
/// </summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private static readonly object Setup = new();
    private static List<PosixSignalRegistration>? _signals;

    public static void Add(Process process)
    {
        lock (Setup)
        {
            if (_signals is null)
            {
                // Killed first, then the signal's default (the bench ends): a Ctrl+C reaches the children from the
                // terminal too, a SIGTERM from a script does not.
                _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => KillAll()), PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillAll())];
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
                AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
            }
        }
        Running[process.Id] = process;
    }

    public static void Remove(Process process)
    {
        try
        {
            Running.TryRemove(process.Id, out _);
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to forget.
        }
    }

    public static void KillAll()
    {
        foreach (var (pid, process) in Running)
        {
            try
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // Already gone.
            }
            Running.TryRemove(pid, out _);
        }
    }
}
