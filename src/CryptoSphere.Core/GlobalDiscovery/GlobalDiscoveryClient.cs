using System.Net;
using System.Net.Security;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using CryptoSphere.Core.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>
/// Syncthing Global Discovery v3: announce = HTTPS POST of <c>{"addresses": […]}</c> with the node's certificate as
/// client certificate (the server files it under that certificate's device ID); lookup = GET <c>?device=ID</c>,
/// deliberately without a client certificate so lookups do not reveal who asks.
/// </summary>
public sealed class GlobalDiscoveryClient : IDisposable
{
    // Bounds what a server can make us read: a real answer is a few hundred bytes.
    private const int MaxResponseBytes = 64 * 1024;
    private const int MaxAddresses = 64;
    private const int MaxAddressLength = 512;
    private static readonly TimeSpan DefaultReannounce = TimeSpan.FromMinutes(30);

    private readonly HttpClient _announce;
    private readonly HttpClient _lookup;
    private readonly ILogger _log;

    public GlobalDiscoveryClient(DiscoveryServerUrl server, NodeIdentity identity, TimeSpan timeout, ILogger? logger = null)
    {
        Server = server;
        _log = logger ?? NullLogger.Instance;
        _announce = CreateClient(server, identity, timeout);
        _lookup = CreateClient(server, null, timeout);
    }

    public DiscoveryServerUrl Server { get; }

    /// <summary>Publishes <paramref name="addresses"/>; returns when the server asks to be told again.</summary>
    public async Task<TimeSpan> AnnounceAsync(IReadOnlyCollection<string> addresses, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => _announce.PostAsJsonAsync(Server.BaseAddress,
            new AnnouncementBody(addresses.ToArray()), DiscoveryJson.Default.AnnouncementBody, cancellationToken)).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NoContent && response.StatusCode != HttpStatusCode.OK)
            throw new DiscoveryException($"the discovery server refused the announcement: {(int)response.StatusCode} {response.ReasonPhrase}");
        return Seconds(response, "Reannounce-After") ?? DefaultReannounce;
    }

    /// <summary>The addresses announced for <paramref name="device"/>, or null when the server knows none.</summary>
    public async Task<DiscoveryLookup?> LookupAsync(SyncthingDeviceId device, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(Server.BaseAddress) { Query = "device=" + Uri.EscapeDataString(device.ToString()) }.Uri;
        using var response = await SendAsync(() => _lookup.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken)).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new DiscoveryException($"the discovery server answered the lookup with {(int)response.StatusCode} {response.ReasonPhrase}");
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
            throw new DiscoveryException("the discovery server's answer is too large");
        var bytes = await ReadBoundedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        LookupBody? body;
        try
        {
            body = System.Text.Json.JsonSerializer.Deserialize(bytes, DiscoveryJson.Default.LookupBody);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new DiscoveryException("the discovery server's answer is not the expected JSON", e);
        }
        var addresses = (body?.Addresses ?? [])
            .Where(a => a is { Length: > 0 and <= MaxAddressLength } && Uri.TryCreate(a, UriKind.Absolute, out _))
            .Take(MaxAddresses)
            .ToArray();
        DiscoveryLog.LookedUp(_log, Server, device.ToString(), addresses.Length);
        return new DiscoveryLookup(addresses, body?.Seen);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
        {
            throw new DiscoveryException(
                $"the discovery server at {Server.BaseAddress.Authority} did not prove the identity {Server.ServerId?.ToString() ?? "(CA-validated)"}: refusing", e);
        }
        catch (HttpRequestException e)
        {
            throw new DiscoveryException($"the discovery server at {Server.BaseAddress.Authority} is unreachable: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new DiscoveryException($"the discovery server at {Server.BaseAddress.Authority} did not answer in time", e);
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
                throw new DiscoveryException("the discovery server's answer is too large");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static TimeSpan? Seconds(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) && int.TryParse(values.FirstOrDefault(), out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static HttpClient CreateClient(DiscoveryServerUrl server, NodeIdentity? identity, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            // Only the configured server is contacted: no proxy from the environment, no redirects elsewhere.
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificateContext = identity?.TlsContext,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = server.ServerId is { } pinned
                    ? (_, certificate, _, _) => certificate is not null &&
                        SyncthingDeviceId.FromCertificateDer(certificate.GetRawCertData()) == pinned
                    : null,
            },
        };
        return new HttpClient(handler) { Timeout = timeout };
    }

    public void Dispose()
    {
        _announce.Dispose();
        _lookup.Dispose();
    }

    internal sealed record AnnouncementBody([property: JsonPropertyName("addresses")] string[] Addresses);

    internal sealed record LookupBody(
        [property: JsonPropertyName("seen")] DateTimeOffset? Seen,
        [property: JsonPropertyName("addresses")] string[]? Addresses);
}

[JsonSerializable(typeof(GlobalDiscoveryClient.AnnouncementBody))]
[JsonSerializable(typeof(GlobalDiscoveryClient.LookupBody))]
internal sealed partial class DiscoveryJson : JsonSerializerContext;
