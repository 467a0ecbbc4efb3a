using CryptoSphere.Core.Node;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Tests.Support;

/// <summary>A started in-memory node whose log lines are kept (<see cref="Log"/>) and whose events are recorded.</summary>
public sealed class LoggedNode : IAsyncDisposable
{
    private readonly ILoggerFactory _factory;

    private LoggedNode(ChatNode node, CapturingLoggerProvider log, ILoggerFactory factory)
    {
        Node = node;
        Log = log;
        _factory = factory;
        Events.Attach(node);
    }

    public ChatNode Node { get; }

    public EventWaiter Events { get; } = new();

    public CapturingLoggerProvider Log { get; }

    public string LogText => Log.Text;

    public int Port => Node.Port;

    public static async Task<LoggedNode> StartAsync(string name, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var log = new CapturingLoggerProvider();
        var factory = log.CreateFactory();
        var options = TestNodes.Options(name);
        var logged = new LoggedNode(new ChatNode(configure?.Invoke(options) ?? options, factory), log, factory);
        try
        {
            await logged.Node.StartAsync();
            return logged;
        }
        catch
        {
            await logged.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the node: every connection handler has finished and every event is delivered (the stop's are last).</summary>
    public Task SettleAsync() => Node.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        Events.Dispose();
        _factory.Dispose();
    }
}
