using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace CryptoSphere.Bench;

/// <summary>
/// strelaysrv (Debian's syncthing-relaysrv) on 127.0.0.1 for the length of a benchmark: its keys in a throwaway
/// directory, no relay pool and no status server, so nothing leaves the machine.
/// </summary>
internal sealed partial class LocalRelay : IDisposable
{
    private readonly Process _process;

    private LocalRelay(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>relay://127.0.0.1:PORT/?id=DEVICE-ID</summary>
    public string Url { get; }

    /// <summary>Starts strelaysrv; null, with the reason on stderr, when it is not installed or does not start.</summary>
    public static LocalRelay? TryStart(string keysDirectory)
    {
        Directory.CreateDirectory(keysDirectory);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var info = new ProcessStartInfo("strelaysrv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-keys", keysDirectory, "-listen", $"127.0.0.1:{port}", "-pools=", "-status-srv=" })
            info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"strelaysrv cannot run ({e.Message}): apt-get install syncthing-relaysrv");
            return null;
        }
        var id = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is not null && IdLine().Match(e.Data) is { Success: true } m)
                id.TrySetResult(m.Groups["id"].Value);
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!id.Task.Wait(TimeSpan.FromSeconds(30)) || !WaitListening(port))
        {
            Console.Error.WriteLine("strelaysrv did not start within 30 s");
            process.Kill();
            process.Dispose();
            return null;
        }
        return new LocalRelay(process, $"relay://127.0.0.1:{port}/?id={id.Task.Result}");
    }

    private static bool WaitListening(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    [GeneratedRegex(@"\?id=(?<id>[A-Z2-7]{7}(-[A-Z2-7]{7}){7})")]
    private static partial Regex IdLine();
}
