using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// A third-party TLS client (OpenSSL's s_client) against a node: the wire is standard TLS 1.3 with
/// client certificates, and the node learns the client's ID from its certificate alone.
/// openssl must be on PATH (.ci/run installs it).
/// </summary>
public class OpenSslInteropTests
{
    private static string FindOpenSsl()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "openssl.exe" : "openssl"))
            .FirstOrDefault(File.Exists);
        Assert.True(found is not null, "openssl is not on PATH; these tests need it (.ci/run installs it)");
        return found;
    }

    [Fact]
    public async Task OpenSslClient_NegotiatesTls13_AndTheNodeSeesTheIdOfItsCertificate()
    {
        var openssl = FindOpenSsl();
        using var temp = new TempDirectory();
        using var client = NodeIdentity.CreateEphemeral();
        var certPath = temp.Combine("c.pem");
        var keyPath = temp.Combine("k.pem");
        await File.WriteAllTextAsync(certPath, client.Certificate.ExportCertificatePem());
        using (var key = client.Certificate.GetECDsaPrivateKey()!)
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        var events = new EventWaiter();
        // The default handshake limit: it covers the TLS handshake, which must succeed (1 s here was within reach of a
        // loaded machine's stalls). The test does not wait for it to run out: s_client is told to leave instead.
        await using var node = await TestNodes.StartAsync("bob", events);

        var info = new ProcessStartInfo(openssl)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "s_client", "-connect", $"127.0.0.1:{node.Port}", "-tls1_3", "-cert", certPath, "-key", keyPath, "-brief" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        long helloBytes = 0;
        var stdout = Task.Run(async () =>
        {
            // The node's HELLO, in binary: read by s_client only once its handshake is done.
            var buffer = new byte[4096];
            int read;
            while ((read = await process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
                Interlocked.Add(ref helloBytes, read);
        });
        var stderr = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync()) is not null)
                lock (output)
                    output.AppendLine(line);
        });
        try
        {
            // The client never says HELLO. Once it has read the node's (nothing is left unread, so its close is a clean
            // one), the end of its input makes it say goodbye and exit; the node then refuses it for want of a HELLO.
            await Eventually.HoldsAsync(() => Interlocked.Read(ref helloBytes) > 0, "s_client received the node's HELLO", TimeSpan.FromSeconds(30));
            process.StandardInput.Close();
            var refused = await events.WaitFor<PeerRefused>(timeout: TimeSpan.FromSeconds(30));
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                await process.WaitForExitAsync(limit.Token);
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(10));

            var text = output.ToString();
            Assert.True(text.Contains("Protocol version: TLSv1.3"), "s_client said:\n" + text);
            Assert.Equal(client.Id, refused.PeerId);
            Assert.Contains("hello", refused.Reason, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(events.All<SecurePeerConnected>());
            Assert.Empty(node.ConnectedPeerIds);
        }
        finally
        {
            process.StandardInput.Close();
            if (!process.HasExited)
                process.Kill();
        }
    }
}
