using Microsoft.Extensions.Logging;

namespace CryptoSphere.Web.Hosting;

/// <summary>
/// Hands the web host's log lines to the program's own logger factory (stderr in the CLI), after the
/// host's filters have run: ASP.NET's request lines, which would include the token in a query string,
/// are filtered out there (see <see cref="WebInterface"/>).
/// </summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The factory belongs to the caller.
    }
}
