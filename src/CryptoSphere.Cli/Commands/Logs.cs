using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

internal static class Logs
{
    /// <summary>
    /// Diagnostics go to stderr so stdout stays the program's output (events, JSON). At the default level
    /// (warnings) a warning the user already sees as an event line is left out and an exception is one
    /// line, not a stack trace: one line per event. <c>--log-level Information</c> or lower shows everything.
    /// </summary>
    public static ILoggerFactory ToStderr(LogLevel level) => ToStderr(level, new StderrLogs());

    internal static ILoggerFactory ToStderr(LogLevel level, StderrLogs output)
    {
        // Built without a service container (LoggerFactory.Create builds one): see StderrLogs. Providers given with
        // AddProvider are disposed with their factory, which writes out what is still queued.
        var console = new LoggerFactory([], new LoggerFilterOptions { MinLevel = level });
        console.AddProvider(output);
        if (level <= LogLevel.Information)
            return console;
        var oneLine = new LoggerFactory([], new LoggerFilterOptions { MinLevel = level });
        oneLine.AddProvider(new OneLinePerEventLogs(console));
        return oneLine;
    }
}
