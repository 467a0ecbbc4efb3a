using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

internal static class Logs
{
    /// <summary>Diagnostics go to stderr so stdout stays the program's output (events, JSON).</summary>
    public static ILoggerFactory ToStderr(LogLevel level) =>
        LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(level);
            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        });
}
