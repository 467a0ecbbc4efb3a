using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Tests.Support;

/// <summary>Keeps every log line at every level, with its arguments and exception, for tests to search.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToList();

    public string Text => string.Join(Environment.NewLine, _lines);

    /// <summary>A factory at Trace level that logs only here.</summary>
    public ILoggerFactory CreateFactory() =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner._lines.Enqueue($"[scope] {category} {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category} {formatter(state, exception)}";
            // The raw arguments too: a provider that writes structured logs would keep them.
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                line += " {" + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}")) + "}";
            if (exception is not null)
                line += Environment.NewLine + exception;
            owner._lines.Enqueue(line);
        }
    }
}
