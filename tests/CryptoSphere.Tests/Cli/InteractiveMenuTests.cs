using System.Net;
using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The menu driven line by line through an injected reader and writer, against real nodes.</summary>
public sealed class InteractiveMenuTests : IAsyncLifetime
{
    private readonly MenuScene _scene = new();

    private readonly ChatNode _peer = Start("peer");
    private EventWaiter _peerEvents = null!;

    private static ChatNode Start(string name) => new(TestNodes.Options(name));

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

    private PeerKey MenuKey => new("127.0.0.1", _scene.Node.Port);

    private async Task PeerSaysHello()
    {
        var mark = _scene.Output.Mark();
        var sent = await _peer.SendAsync(new PeerKey("127.0.0.1", _scene.Node.Port), "hello menu");
        Assert.True(sent.Success, sent.Error);
        // The incoming message appears on its own, without the user doing anything.
        await _scene.Output.WaitForAsync($"peer (127.0.0.1:{_peer.Port}) [{_peer.Identity.Id.Short}, unverified]: hello menu", mark);
    }

    [Fact]
    public async Task Option2_lists_active_peers_with_last_seen()
    {
        await PeerSaysHello();
        var mark = _scene.Output.Mark();
        _scene.Input.Send("2");
        var shown = await _scene.Output.WaitForAsync("Choice: ", mark);
        Assert.Contains($"peer 127.0.0.1:{_peer.Port}", shown);
        Assert.Contains("last seen", shown);
    }

    [Fact]
    public async Task Option4_broadcasts_to_every_peer()
    {
        await PeerSaysHello();
        _scene.Input.Send("4", "hello everyone");
        var received = await _peerEvents.WaitFor<MessageReceived>(m => m.Text == "hello everyone");
        Assert.Equal(MenuKey, received.From);
        Assert.Equal("menu", received.Name);
    }

    [Fact]
    public async Task Option5_messages_the_picked_peer()
    {
        await PeerSaysHello();
        _scene.Input.Send("5", "1", "just for you");
        var received = await _peerEvents.WaitFor<MessageReceived>(m => m.Text == "just for you");
        Assert.Equal(MenuKey, received.From);
    }

    [Fact]
    public async Task Option6_says_goodbye_and_removes_the_peer()
    {
        await PeerSaysHello();
        _scene.Input.Send("4", "so you know me");
        await _peerEvents.WaitFor<PeerAdded>(a => a.Peer.Key == MenuKey);
        // Delivered first: a message still in the outbox would reconnect to the peer to get there.
        await _peerEvents.WaitFor<MessageReceived>(m => m.Text == "so you know me");
        await Eventually.HoldsAsync(() => _scene.Node.Store.Outbox().Count == 0, "the broadcast is acknowledged");

        var mark = _scene.Output.Mark();
        _scene.Input.Send("6", "1");
        var removed = await _peerEvents.WaitFor<PeerRemoved>(r => r.Peer.Key == MenuKey);
        Assert.Equal(PeerRemovalReason.Disconnected, removed.Reason);
        await _scene.Output.WaitForAsync("goodbye sent", mark);
        Assert.Equal(0, _scene.Node.Peers.Count);
        // One removal, one line: not also a "Peer ... removed" notice.
        _scene.Input.Send("2");
        var after = await _scene.Output.WaitForAsync("No active peers.", mark);
        Assert.Single(after.Split('\n'), l => l.Contains("emoved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Option0_quits()
    {
        _scene.Input.Send("0");
        await _scene.Menu.WaitAsync(EventWaiter.DefaultTimeout);
        Assert.True(_scene.Menu.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task End_of_input_quits()
    {
        _scene.Input.End();
        await _scene.Menu.WaitAsync(EventWaiter.DefaultTimeout);
        Assert.True(_scene.Menu.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Unknown_option_and_bad_peer_number_are_refused_and_change_nothing()
    {
        await PeerSaysHello();
        var mark = _scene.Output.Mark();
        _scene.Input.Send("42");
        await _scene.Output.WaitForAsync("'42' is not an option", mark);
        _scene.Input.Send("6", "7");
        await _scene.Output.WaitForAsync("'7' is not a peer number", mark);
        Assert.Equal(1, _scene.Node.Peers.Count);
    }

    [Fact]
    public async Task Chat_session_refuses_a_bad_port_then_sends_until_exit()
    {
        var mark = _scene.Output.Mark();
        _scene.Input.Send("1", "127.0.0.1", "80");
        await _scene.Output.WaitForAsync("port 80 is outside 1024-65535", mark);
        _scene.Input.Send(_peer.Port.ToString(), "first line", "second line", "exit");
        await _peerEvents.WaitFor<MessageReceived>(m => m.Text == "first line");
        await _peerEvents.WaitFor<MessageReceived>(m => m.Text == "second line");
        await _scene.Output.WaitForAsync("Chat session ended.", mark);
    }
}
