using Microsoft.Extensions.Logging;

namespace CryptoSphere.Web;

/// <summary>Log messages of the web interface (event IDs 9100-9199).</summary>
internal static partial class WebLog
{
    [LoggerMessage(9100, LogLevel.Warning, "Web port {Requested} is in use; the web interface is on {Port} instead")]
    public static partial void PortInUse(ILogger log, int requested, int port);

    [LoggerMessage(9101, LogLevel.Information, "Web interface listening on {Bind}:{Port}")]
    public static partial void Listening(ILogger log, System.Net.IPAddress bind, int port);

    [LoggerMessage(9102, LogLevel.Warning, "The web interface did not stop within 5 s; closing it anyway")]
    public static partial void SlowStop(ILogger log);

    [LoggerMessage(9103, LogLevel.Information, "Web interface stopped")]
    public static partial void Stopped(ILogger log);

    // The path only: the query string of the first request carries the token.
    [LoggerMessage(9104, LogLevel.Error, "{Method} {Path} failed")]
    public static partial void RequestFailed(ILogger log, string method, string path, Exception error);
}
