using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Menu option 1 given a HOST:PORT it cannot send to ("127.0.0.1:80", "127.0.0.1:") says why, as <c>send --to</c>
/// does, and asks again, instead of taking it as a host name and chatting with "127.0.0.1:80:PORT" (hunt-A item 7).
/// </summary>
public sealed class ChatTargetAddressTests : IAsyncLifetime
{
    private readonly MenuScene _scene = new();
    private readonly ChatNode _peer = new(TestNodes.Options("peer"));
    private EventWaiter _peerEvents = null!;

    public async Task InitializeAsync()
    {
        await _peer.StartAsync();
        _peerEvents = new EventWaiter(_peer);
        await _scene.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _scene.DisposeAsync();
        await _peer.DisposeAsync();
    }

    private const string Prompt = "Peer IP, HOST:PORT or peer ID (blank to go back): ";

    /// <summary>Waits for <paramref name="error"/> followed by the first prompt again; returns the text since <paramref name="mark"/>.</summary>
    private Task<string> RefusedAndAskedAgain(string error, int mark) =>
        _scene.Output.WaitUntilAsync(
            t => t.IndexOf(error, StringComparison.Ordinal) is var at and >= 0 && t.IndexOf(Prompt, at, StringComparison.Ordinal) > at,
            $"'{error}' and the prompt again", mark);

    [Fact]
    public async Task A_bad_port_in_HOST_PORT_is_refused_and_asked_again()
    {
        var mark = _scene.Output.Mark();
        _scene.Input.Send("1", "127.0.0.1:80");
        var shown = await RefusedAndAskedAgain("'127.0.0.1:80' is not a HOST:PORT to send to: port 80 is outside 1024-65535", mark);
        Assert.DoesNotContain("Peer port", shown);

        _scene.Input.Send($"127.0.0.1:{_peer.Port}", "reached", "exit");
        await _peerEvents.WaitFor<MessageReceived>(m => m.Text == "reached");
        await _scene.Output.WaitForAsync("Chat session ended.", mark);
        Assert.Contains($"Chatting with 127.0.0.1:{_peer.Port}.", _scene.Output.Text);
        Assert.DoesNotContain("127.0.0.1:80:", _scene.Output.Text);
    }

    [Fact]
    public async Task HOST_with_a_colon_and_no_port_is_refused_and_asked_again()
    {
        var mark = _scene.Output.Mark();
        _scene.Input.Send("1", "127.0.0.1:");
        var shown = await RefusedAndAskedAgain("'127.0.0.1:' is not a HOST:PORT to send to: ", mark);
        Assert.DoesNotContain("Peer port", shown);
        // Marked before the blank line goes: the menu may print its next prompt before a mark taken after the send.
        var back = _scene.Output.Mark();
        _scene.Input.Send("");
        await _scene.Output.WaitForAsync("Choice: ", back);
        Assert.DoesNotContain("Chatting with", _scene.Output.Text);
        Assert.Empty(_scene.Node.Store.Outbox());
    }
}
