using Microsoft.Extensions.Logging;

namespace CryptoSphere.Cli.Commands;

/// <summary>
/// Leaves out the log lines that repeat what the user is shown anyway (a port taken, a message given up, input
/// dropped: each already has its event line or its answer), and the web server's report of a busy port, which
/// the web interface answers by taking the next one. Exceptions are told by their message alone.
/// </summary>
internal sealed class OneLinePerEventLogs(ILoggerFactory inner) : ILoggerProvider
{
    // The message templates of warnings whose event the menu, listen and web print as a line of their own.
    private static readonly HashSet<string> ShownAsEvents =
    [
        "Port {Requested} is in use; listening on {Port} instead",
        "Web port {Requested} is in use; the web interface is on {Port} instead",
        "Message {Id} to {Address} failed: {Reason}",
        "Dropped input from {Remote}: {Reason}",
        "Stopping: {Reason}",
        "Refused {Remote} ({PeerId}): {Reason}",
        "No session with {Remote} ({PeerId}): {Reason}",
        "Send to {Peer} failed: {Error}",
        "Offer to {Peer} refused: {Error}",
        "Transfer {Id} of {Name} from {PeerId} {State}: {Reason}",
        "Transfer {Id} of {Name} to {PeerId} {State}: {Reason}",
    ];

    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName), categoryName);

    public void Dispose() => inner.Dispose();

    internal static bool IsShownAsEvent(string category, object? state, Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException && category.StartsWith("Microsoft.", StringComparison.Ordinal))
                return true;
        }
        return state is IReadOnlyList<KeyValuePair<string, object?>> values &&
               values.Any(v => v.Key == "{OriginalFormat}" && v.Value is string template && ShownAsEvents.Contains(template));
    }

    private sealed class Logger(ILogger inner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsShownAsEvent(category, state, exception))
                return;
            inner.Log(logLevel, eventId, state, null,
                (s, e) => exception is null ? formatter(s, e) : $"{formatter(s, exception)}: {exception.Message}");
        }
    }
}
