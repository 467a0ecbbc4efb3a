using CryptoSphere.Cli.Commands;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// The program's log lines keep the console logger's single-line layout (time, level, category, event ID, message;
/// the level coloured on a terminal), every line queued before the end is written, and the default level still
/// leaves out what the user is shown as an event.
/// </summary>
public class StderrLogsTests
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(30);

    private static FakeTimeProvider At(int hour, int minute, int second)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, hour, minute, second, TimeSpan.Zero));
        clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        return clock;
    }

    [Fact]
    public void A_line_has_the_time_level_category_event_and_message_on_one_line()
    {
        var output = new StringWriter();
        using (var logs = Logs.ToStderr(LogLevel.Information, new StderrLogs(output, colors: false, At(9, 5, 7), Drain)))
        {
            var log = logs.CreateLogger("CryptoSphere.Core.Sessions.Listener");
            TestLog.TwoLines(log, "line");
            TestLog.Failed(log, new InvalidOperationException("broken\nacross lines"));
            TestLog.Debug(log);
        }

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("09:05:07 warn: CryptoSphere.Core.Sessions.Listener[42] first line second line", lines[0]);
        Assert.StartsWith("09:05:07 fail: CryptoSphere.Core.Sessions.Listener[7] it failed System.InvalidOperationException: broken across lines", lines[1],
            StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_terminal_the_level_is_coloured_as_the_console_logger_colours_it()
    {
        var output = new StringWriter();
        using (var logs = Logs.ToStderr(LogLevel.Information, new StderrLogs(output, colors: true, At(23, 59, 0), Drain)))
        {
            var log = logs.CreateLogger("C");
            TestLog.Hello(log);
            TestLog.Careful(log);
        }

        Assert.Equal(
            "23:59:00 \u001b[40m\u001b[32minfo\u001b[39m\u001b[22m\u001b[49m: C[1] hello" + Environment.NewLine +
            "23:59:00 \u001b[40m\u001b[1m\u001b[33mwarn\u001b[39m\u001b[22m\u001b[49m: C[2] careful" + Environment.NewLine,
            output.ToString());
    }

    [Fact]
    public void Every_line_logged_before_the_end_is_written()
    {
        var output = new StringWriter();
        using (var logs = Logs.ToStderr(LogLevel.Information, new StderrLogs(TextWriter.Synchronized(output), colors: false, At(1, 2, 3), Drain)))
        {
            var log = logs.CreateLogger("Many");
            Parallel.For(0, 2000, i => TestLog.Numbered(log, i));
        }

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.Equal(Enumerable.Range(0, 2000), lines.Select(l => int.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public void At_the_default_level_an_event_the_user_sees_is_not_logged_again()
    {
        var output = new StringWriter();
        using (var logs = Logs.ToStderr(LogLevel.Warning, new StderrLogs(output, colors: false, At(0, 0, 0), Drain)))
        {
            var log = logs.CreateLogger("CryptoSphere.Core.Node.ChatNode");
            TestLog.PortInUse(log, 5000, 5001);
            TestLog.NotStored(log, new IOException("disk\nfull"), "a message");
            TestLog.Hello(log);
        }

        Assert.Equal("00:00:00 warn: CryptoSphere.Core.Node.ChatNode[3] Could not store a message: disk full" + Environment.NewLine, output.ToString());
    }
}

internal static partial class TestLog
{
    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "first {Line}\nsecond line")]
    public static partial void TwoLines(ILogger logger, string line);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "it failed")]
    public static partial void Failed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "below the level")]
    public static partial void Debug(ILogger logger);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "hello")]
    public static partial void Hello(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "careful")]
    public static partial void Careful(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "line {Number}")]
    public static partial void Numbered(ILogger logger, int number);

    // The template of a warning that listen also prints as an event line.
    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Port {Requested} is in use; listening on {Port} instead")]
    public static partial void PortInUse(ILogger logger, int requested, int port);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Could not store {What}")]
    public static partial void NotStored(ILogger logger, Exception exception, string what);
}
