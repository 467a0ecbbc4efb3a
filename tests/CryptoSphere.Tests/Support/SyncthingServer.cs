using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// One strelaysrv or stdiscosrv process on 127.0.0.1, its keys in a directory the test owns (kept across a
/// restart so the server's device ID stays the same). Relay pools are disabled: nothing leaves the machine.
/// </summary>
public sealed partial class SyncthingServer : IAsyncDisposable
{
    public const string RelayProgram = "strelaysrv";
    public const string DiscoveryProgram = "stdiscosrv";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    // A test run that ends early (crash, abort) must not leave servers behind.
    private static readonly HashSet<Process> Running = [];

    static SyncthingServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (Running)
            foreach (var process in Running)
                try { process.Kill(); } catch (InvalidOperationException) { }
    };

    private readonly string _program;
    private readonly string _directory;
    private readonly string[] _extraArguments;
    private readonly StringBuilder _output = new();
    private readonly string? _namespace;
    private readonly string _listenIp;
    private Process? _process;

    private SyncthingServer(string program, string directory, int port, string[] extraArguments, string? networkNamespace = null,
        string listenIp = "127.0.0.1")
    {
        _program = program;
        _directory = directory;
        Port = port;
        _extraArguments = extraArguments;
        _namespace = networkNamespace;
        _listenIp = listenIp;
    }

    public int Port { get; }

    /// <summary>The device ID the server printed at start.</summary>
    public string DeviceId { get; private set; } = "";

    /// <summary>Everything the server printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>relay://127.0.0.1:PORT/?id=… (or with another host name that reaches 127.0.0.1).</summary>
    public string RelayUrl(string host = "127.0.0.1") => $"relay://{host}:{Port}/?id={DeviceId}";

    public string DiscoveryUrl => DiscoveryUrlAt("127.0.0.1");

    public string DiscoveryUrlAt(string host) => $"https://{host}:{Port}/?id={DeviceId}";

    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, program))
        .FirstOrDefault(File.Exists);

    public static Task<SyncthingServer> StartRelayAsync(string directory, params string[] extraArguments) =>
        StartAsync(RelayProgram, directory, extraArguments);

    public static Task<SyncthingServer> StartDiscoveryAsync(string directory) => StartAsync(DiscoveryProgram, directory, []);

    /// <summary>
    /// The server inside the network namespace <paramref name="networkNamespace"/> (a test's own), listening on
    /// <paramref name="ip"/>:<paramref name="port"/> there; a namespace has no other sockets, so a fixed port is free.
    /// </summary>
    public static async Task<SyncthingServer> StartInNamespaceAsync(string program, string directory, string networkNamespace, string ip, int port)
    {
        var server = new SyncthingServer(program, directory, port, [], networkNamespace, ip);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
    }

    private static async Task<SyncthingServer> StartAsync(string program, string directory, string[] extraArguments)
    {
        // A port found free can be taken again before the server binds it (by any socket on the machine):
        // then the server exits, and a fresh port is tried.
        for (var attempt = 1; ; attempt++)
        {
            var server = new SyncthingServer(program, directory, FreePort(), extraArguments);
            try
            {
                await server.StartAsync();
                return server;
            }
            catch (ServerExitedException) when (attempt < 3)
            {
                await server.StopAsync();
            }
        }
    }

    /// <summary>Starts the process again on the same port with the same keys (after <see cref="StopAsync"/>).</summary>
    public async Task StartAsync()
    {
        var path = Find(_program) ?? throw new InvalidOperationException(
            $"{_program} is not on PATH: apt-get install syncthing-relaysrv syncthing-discosrv");
        Directory.CreateDirectory(_directory);
        // ip netns exec execs the server: the child's PID is the server's, so a kill reaches it.
        var info = new ProcessStartInfo(_namespace is null ? path : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        if (_namespace is not null)
        {
            foreach (var a in new[] { "netns", "exec", _namespace, path })
                info.ArgumentList.Add(a);
        }
        var listen = $"{_listenIp}:{Port}";
        string[] arguments = _program == RelayProgram
            ? ["-keys", _directory, "-listen", listen, "-pools=", "-status-srv=", .. _extraArguments]
            : ["-listen", listen, "-db-dir", Path.Combine(_directory, "db"), "-cert", Path.Combine(_directory, "cert.pem"),
               "-key", Path.Combine(_directory, "key.pem"), .. _extraArguments];
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        var idSeen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_output)
                _output.AppendLine(e.Data);
            if (IdLine().Match(e.Data) is { Success: true } match)
                idSeen.TrySetResult(match.Groups["id"].Value);
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Start();
        lock (Running)
            Running.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(idSeen.Task, exited).WaitAsync(StartTimeout) == exited)
                throw new ServerExitedException($"{_program} exited:\n{Output}");
            DeviceId = await idSeen.Task;
            await WaitListeningAsync();
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_program} did not start within {StartTimeout.TotalSeconds} s:\n{Output}");
        }
    }

    /// <summary>Stops the process (SIGKILL: the test wants an abrupt loss, as a crash or power cut gives).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
            return;
        _process = null;
        lock (Running)
            Running.Remove(process);
        if (!process.HasExited)
            process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    // Listening is proved by a TLS handshake showing the certificate whose ID the server printed, so a port
    // someone else holds is never mistaken for the server.
    private async Task WaitListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process is not { HasExited: false })
                throw new ServerExitedException($"{_program} exited:\n{Output}");
            if (_namespace is null ? await ShowsItsCertificateAsync() : await ListensInNamespaceAsync())
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{_program} is not serving on {Port}");
            await Task.Delay(50);
        }
    }

    private async Task<bool> ShowsItsCertificateAsync()
    {
        using var probe = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            await using var tls = new System.Net.Security.SslStream(probe.GetStream());
            string? seen = null;
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "probe",
                ApplicationProtocols = [new System.Net.Security.SslApplicationProtocol("bep-relay")],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    seen = certificate is null ? null
                        : CryptoSphere.Core.Identity.SyncthingDeviceId.FromCertificateDer(certificate.GetRawCertData()).ToString();
                    return true;
                },
            }, timeout.Token);
            return seen == DeviceId;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException
                                       or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    // The test process is outside the namespace: it asks the namespace's socket table instead of connecting.
    private async Task<bool> ListensInNamespaceAsync()
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", _namespace!, "ss", "-Hltn", $"sport = :{Port}" })
            info.ArgumentList.Add(a);
        using var ss = Process.Start(info)!;
        var listing = await ss.StandardOutput.ReadToEndAsync();
        await ss.StandardError.ReadToEndAsync();
        await ss.WaitForExitAsync();
        return ss.ExitCode == 0 && listing.Trim().Length > 0;
    }

    private sealed class ServerExitedException(string message) : Exception(message);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // strelaysrv: "URI: relay://…/?id=ID&…"; stdiscosrv: "Server device ID is ID".
    [GeneratedRegex(@"(\?id=|device ID is )(?<id>[A-Z2-7]{7}(-[A-Z2-7]{7}){7})")]
    private static partial Regex IdLine();
}
