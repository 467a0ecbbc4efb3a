using System.Net;
using CryptoSphere.Core.Node;
using CryptoSphere.Web.Access;
using CryptoSphere.Web.Api;
using CryptoSphere.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoSphere.Web;

/// <summary>
/// The local web interface of one running <see cref="ChatNode"/>, hosted in the node's own process:
/// JSON under <c>/api</c>, a live feed at <c>/api/events</c>, and the page itself (embedded in this
/// assembly). Every request needs <see cref="Token"/>; see <see cref="TokenGate"/>.
/// </summary>
public sealed class WebInterface : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AccessToken _token;
    private readonly ILogger _log;
    private readonly Api.UploadCleanup _uploads;
    private int _stopped;

    private WebInterface(WebApplication app, AccessToken token, int port, WebAddresses addresses, ILogger log, Api.UploadCleanup uploads)
    {
        _app = app;
        _uploads = uploads;
        _token = token;
        Port = port;
        LocalUrl = addresses.Local!;
        NetworkUrl = addresses.Network;
        _log = log;
    }

    public int Port { get; }

    /// <summary>The page for a browser on this machine, without the token.</summary>
    public Uri LocalUrl { get; }

    /// <summary>The page for other machines (a phone), without the token; null when bound to loopback.</summary>
    public Uri? NetworkUrl { get; }

    /// <summary>The access token of this start. Print it for the user; never log it.</summary>
    public string Token => _token.Value;

    /// <summary>The link to open: <see cref="LocalUrl"/> with the token, which the page exchanges for a cookie.</summary>
    public Uri LocalLink => WithToken(LocalUrl);

    public Uri? NetworkLink => NetworkUrl is null ? null : WithToken(NetworkUrl);

    /// <summary>
    /// Starts the interface on <see cref="WebOptions.Port"/>, or the next free port when that one is taken
    /// (unless <see cref="WebOptions.StrictPort"/>). Throws <see cref="PortUnavailableException"/> when none is free.
    /// </summary>
    public static async Task<WebInterface> StartAsync(ChatNode node, WebOptions options, ILoggerFactory? logs = null,
        CancellationToken cancellationToken = default)
    {
        var token = options.Token is { } fixedToken ? new AccessToken(fixedToken) : AccessToken.Create();
        var log = (logs ?? NullLoggerFactory.Instance).CreateLogger<WebInterface>();
        var tries = options.StrictPort || options.Port == 0 ? 1 : Math.Max(1, options.MaxPortTries);
        Exception? last = null;
        for (var i = 0; i < tries && options.Port + i <= IPEndPoint.MaxPort; i++)
        {
            var addresses = new WebAddresses();
            var app = Build(node, options, options.Port + i, token, addresses, logs);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException)
            {
                last = e;
                await app.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            var port = BoundPort(app);
            addresses.Local = UrlOf(LocalHost(options.Bind), port);
            addresses.Network = options.IsLoopbackOnly ? null : UrlOf(NetworkHost(options), port);
            if (port != options.Port && options.Port != 0)
                WebLog.PortInUse(log, options.Port, port);
            WebLog.Listening(log, options.Bind, port);
            return new WebInterface(app, token, port, addresses, log, new Api.UploadCleanup(node));
        }
        throw new PortUnavailableException(options.StrictPort
            ? $"web port {options.Port} on {options.Bind} is already in use (not trying another)"
            : $"no free web port in {options.Port}-{Math.Min(IPEndPoint.MaxPort, options.Port + tries - 1)} on {options.Bind}", last);
    }

    private static WebApplication Build(ChatNode node, WebOptions options, int port, AccessToken token, WebAddresses addresses,
        ILoggerFactory? logs)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(WebInterface).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });

        builder.Logging.ClearProviders();
        if (logs is not null)
            builder.Logging.AddProvider(new ForwardingLoggerProvider(logs));
        // ASP.NET's request lines carry the query string, and the first one carries the token.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Warning);

        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        // Open live feeds are ended at once (they watch ApplicationStopping); nothing else is long.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 2 * 1024 * 1024;
            kestrel.Listen(options.Bind, port);
        });
        builder.Services.ConfigureHttpJsonOptions(json => WebJson.UseAlone(json.SerializerOptions));
        // A body or a value that cannot be read is thrown, so that ApiErrorBodies can say what was wrong.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSingleton(node);
        builder.Services.AddSingleton(token);
        builder.Services.AddSingleton(addresses);

        var app = builder.Build();
        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<TokenGate>();
        app.UseMiddleware<CrossSiteGuard>();
        app.UseMiddleware<ApiErrorBodies>();

        var assets = new ManifestEmbeddedFileProvider(typeof(WebInterface).Assembly, "wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = assets });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = assets });

        var api = app.MapGroup("/api");
        IdentityEndpoints.Map(api);
        PeerEndpoints.Map(api);
        MessageEndpoints.Map(api);
        ContactEndpoints.Map(api);
        GroupEndpoints.Map(api);
        MailboxEndpoints.Map(api);
        EventEndpoint.Map(api);
        TransferEndpoints.Map(api);
        // No fallback route: a path that exists asked with another method or content type is a 405 or 415, which
        // ApiErrorBodies words; a path that does not exist is its "no such API".
        return app;
    }

    private static int BoundPort(WebApplication app)
    {
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(bound).Port;
    }

    private static string LocalHost(IPAddress bind) =>
        bind.Equals(IPAddress.Any) ? "127.0.0.1" : bind.Equals(IPAddress.IPv6Any) ? "[::1]" : HostOf(bind);

    private static string NetworkHost(WebOptions options) =>
        options.Bind.Equals(IPAddress.Any) || options.Bind.Equals(IPAddress.IPv6Any)
            ? options.PublicHost ?? Core.Node.LocalAddress.Detect()
            : HostOf(options.Bind);

    private static string HostOf(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private static Uri UrlOf(string host, int port) => new($"http://{host}:{port}/");

    private Uri WithToken(Uri page) => new($"{page}?{TokenGate.QueryName}={_token.Value}");

    /// <summary>Closes open pages' live feeds and stops listening. The node keeps running.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            WebLog.SlowStop(_log);
        }
        WebLog.Stopped(_log);
    }

    public async ValueTask DisposeAsync()
    {
        _uploads.Dispose();
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
