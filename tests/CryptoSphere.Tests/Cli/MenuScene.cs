using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// The interactive menu on a real node, driven line by line through an injected reader and writer: what every menu
/// test class sets up and takes down the same way.
/// </summary>
internal sealed class MenuScene : IAsyncDisposable
{
    public ChatNode Node { get; } = new(TestNodes.Options("menu"));

    public ScriptedInput Input { get; } = new();

    public CapturedOutput Output { get; } = new();

    /// <summary>The menu's own task: it ends when the input does (or on "0").</summary>
    public Task Menu { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the node, lets <paramref name="prepare"/> set it up, starts the menu and waits for its first prompt.</summary>
    public async Task StartAsync(Action<ChatNode>? prepare = null)
    {
        await Node.StartAsync();
        prepare?.Invoke(Node);
        var menu = new InteractiveMenu(Node, new PlainMenuConsole(Input, Output));
        Menu = Task.Run(() => menu.RunAsync(CancellationToken.None));
        await Output.WaitForAsync("Choice: ");
    }

    public async ValueTask DisposeAsync()
    {
        Input.End();
        await Menu.WaitAsync(EventWaiter.DefaultTimeout);
        await Node.DisposeAsync();
    }
}
