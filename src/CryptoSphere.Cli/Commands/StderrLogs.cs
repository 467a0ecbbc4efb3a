using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Log lines on stderr in the console logger's single-line layout (<c>HH:mm:ss warn: Category[event] message</c>,
/// the level coloured on a terminal), written by a thread of their own from a bounded queue as the console logger
/// does. It replaces <c>AddConsole</c>, whose dependency-injection container, options and configuration binding
/// cost an idle node 2.4 MiB of resident memory (docs/RELIABILITY.md, Scale).
/// </summary>
internal sealed class StderrLogs : ILoggerProvider
{
    // The console logger's default queue length; when it is full the caller waits, as with the console logger.
    private const int QueueLength = 2500;

    private readonly TextWriter _output;
    private readonly bool _colors;
    private readonly TimeProvider _clock;
    private readonly BlockingCollection<string> _queue = new(QueueLength);
    private readonly Thread _writer;
    private readonly TimeSpan _drainLimit;

    // On a terminal that stopped reading, the program still ends: after 1.5 s, as with the console logger.
    public StderrLogs() : this(Console.Error, !Console.IsErrorRedirected, TimeProvider.System, TimeSpan.FromSeconds(1.5))
    {
    }

    public StderrLogs(TextWriter output, bool colors, TimeProvider clock, TimeSpan drainLimit)
    {
        _output = output;
        _colors = colors;
        _clock = clock;
        _drainLimit = drainLimit;
        _writer = new Thread(Write) { IsBackground = true, Name = "Log writer" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Writes what is queued (waiting at most the drain limit), then stops.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _writer.Join(_drainLimit);
    }

    private void Write()
    {
        foreach (var line in _queue.GetConsumingEnumerable())
        {
            try
            {
                _output.Write(line);
                if (_queue.Count == 0)
                    _output.Flush();
            }
            catch (IOException)
            {
                // stderr is gone (the terminal closed): nothing is left to tell.
            }
        }
    }

    private void Enqueue(string line)
    {
        try
        {
            _queue.Add(line);
        }
        catch (InvalidOperationException)
        {
            // Logged while stopping: written directly, so the last words are not lost.
            _output.Write(line);
        }
    }

    internal string Format(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var line = new StringBuilder();
        line.Append(_clock.GetLocalNow().ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
        var (code, foreground, background) = Level(level);
        if (_colors)
            line.Append(background).Append(foreground).Append(code).Append("\u001b[39m\u001b[22m\u001b[49m");
        else
            line.Append(code);
        line.Append(": ").Append(category).Append('[').Append(eventId.Id).Append(']');
        if (!string.IsNullOrEmpty(message))
            AppendOneLine(line, message);
        if (exception is not null)
            AppendOneLine(line, exception.ToString());
        return line.Append(Environment.NewLine).ToString();
    }

    // One line per entry, as the console logger's SingleLine option writes it.
    private static void AppendOneLine(StringBuilder line, string text) => line.Append(' ').Append(text.ReplaceLineEndings(" "));

    // The console logger's abbreviations and colours.
    private static (string Code, string Foreground, string Background) Level(LogLevel level) => level switch
    {
        LogLevel.Trace => ("trce", "\u001b[37m", "\u001b[40m"),
        LogLevel.Debug => ("dbug", "\u001b[37m", "\u001b[40m"),
        LogLevel.Information => ("info", "\u001b[32m", "\u001b[40m"),
        LogLevel.Warning => ("warn", "\u001b[1m\u001b[33m", "\u001b[40m"),
        LogLevel.Error => ("fail", "\u001b[30m", "\u001b[41m"),
        _ => ("crit", "\u001b[1m\u001b[37m", "\u001b[41m"),
    };

    private sealed class Logger(StderrLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            var message = formatter(state, exception);
            if (string.IsNullOrEmpty(message) && exception is null)
                return;
            owner.Enqueue(owner.Format(logLevel, category, eventId, message, exception));
        }
    }
}
