using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Bench;

/// <summary>
/// The same-run references of the product-path benchmarks, each run as its own process (this bench program with a
/// hidden command), so they pay what the real program pays for being a process: a minimal legacy server that
/// accepts, reads each connection to its end and shows one line for it; and an echo server, over TLS 1.3 (the
/// nodes' own handshake) or plain TCP, that writes back every byte it reads.
/// </summary>
internal static class ReferenceServers
{
    /// <summary>Runs a reference server in this process until standard input closes; prints "port N" first.</summary>
    public static bool Serve(string kind)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        Console.Out.WriteLine($"port {((IPEndPoint)listener.LocalEndPoint!).Port}");
        Console.Out.Flush();
        var output = Console.Out;
        var gate = new object();
        using var identity = NodeIdentity.CreateEphemeral();
        // A thread blocking in accept, as the node's accept loop does.
        var accepting = new Thread(() =>
        {
            while (true)
            {
                Socket socket;
                try { socket = listener.Accept(); }
                catch (SocketException) { return; }
                catch (ObjectDisposedException) { return; }
                _ = kind switch
                {
                    "legacy" => ReadToEndAsync(socket),
                    "echo-tls" => EchoAsync(socket, identity),
                    _ => EchoAsync(socket, null),
                };
            }
        }) { IsBackground = true };
        accepting.Start();
        Console.In.ReadToEnd(); // the bench closes our standard input to stop us
        return true;

        async Task ReadToEndAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(4096);
                long bytes = 0;
                try
                {
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                        bytes += read;
                }
                catch (SocketException)
                {
                    return;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                lock (gate)
                {
                    output.WriteLine($"got {bytes}");
                    output.Flush();
                }
            }
        }
    }

    private static async Task EchoAsync(Socket socket, NodeIdentity? identity)
    {
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (identity is not null)
                stream = (await TlsHandshake.AcceptAsync(stream, identity, TimeSpan.FromSeconds(60), default)).Stream;
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
                await stream.WriteAsync(buffer.AsMemory(0, read));
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    /// <summary>A reference server process: this bench program run with a hidden command.</summary>
    internal sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;

        public ServerProcess(string kind, Action<string, long>? onLine = null)
            : this(Managed(kind), onLine)
        {
        }

        // The bench's own program in reference-server mode, its methods compiled once, optimized, at first use. With tiered
        // compilation each process recompiled its hot methods in the background for minutes, a little more every round:
        // 100 echo servers' "Tiered Compilation" threads took 20 % of the machine 55 rounds into a fan-out run, slowing the
        // reference and the product's rounds alike.
        private static ProcessStartInfo Managed(string kind)
        {
            var info = new ProcessStartInfo("dotnet") { ArgumentList = { typeof(ReferenceServers).Assembly.Location, "reference-server", kind } };
            info.Environment["DOTNET_TieredCompilation"] = "0";
            return info;
        }

        /// <summary>Any program that prints "port N" first, one line per thing it served, and stops when its input closes.</summary>
        public ServerProcess(ProcessStartInfo info, Action<string, long>? onLine = null)
        {
            info.RedirectStandardInput = true;
            info.RedirectStandardOutput = true;
            info.UseShellExecute = false;
            _process = Process.Start(info)!;
            ChildProcesses.Add(_process);
            var first = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the reference server did not start");
            Port = int.Parse(first["port ".Length..]);
            var reader = new Thread(() =>
            {
                while (_process.StandardOutput.ReadLine() is { } line)
                    onLine?.Invoke(line, Stopwatch.GetTimestamp());
            }) { IsBackground = true };
            reader.Start();
        }

        public int Port { get; }

        public int Pid => _process.Id;

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                    _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            _process.WaitForExit();
            ChildProcesses.Remove(_process);
            _process.Dispose();
        }
    }
}
