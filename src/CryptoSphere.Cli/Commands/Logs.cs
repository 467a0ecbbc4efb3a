using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

internal static class Logs
{
    /// <summary>
    /// Diagnostics go to stderr so stdout stays the program's output (events, JSON). At the default level
    /// (warnings) a warning the user already sees as an event line is left out and an exception is one
    /// line, not a stack trace: one line per event. <c>--log-level Information</c> or lower shows everything.
    /// </summary>
    public static ILoggerFactory ToStderr(LogLevel level)
    {
        var console = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(level);
            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        });
        if (level <= LogLevel.Information)
            return console;
        return LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(level);
            b.AddProvider(new OneLinePerEventLogs(console));
        });
    }
}
