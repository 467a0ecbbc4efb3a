using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Cli;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>Menu options 9 (send a file) and 10 (file transfers), driven line by line against real nodes.</summary>
public sealed class TransferMenuTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ScriptedInput _input = new();
    private readonly CapturedOutput _output = new();
    private readonly EventWaiter _menuEvents = new();
    private readonly EventWaiter _peerEvents = new();
    private ChatNode _menuNode = null!;
    private ChatNode _peer = null!;
    private Task _menu = Task.CompletedTask;

    private string MenuDownloads => Path.Combine(_dir.Path, "menu-downloads");

    public async Task InitializeAsync()
    {
        _menuNode = await TestNodes.StartAsync("menu", _menuEvents, o => o with { DownloadsDirectory = MenuDownloads });
        _peer = await TestNodes.StartAsync("peer", _peerEvents, o => o with { DownloadsDirectory = Path.Combine(_dir.Path, "peer-downloads") });
        var menu = new InteractiveMenu(_menuNode, new PlainMenuConsole(_input, _output));
        _menu = Task.Run(() => menu.RunAsync(CancellationToken.None));
        await _output.WaitForAsync("Choice: ");
    }

    public async Task DisposeAsync()
    {
        _input.End();
        await _menu.WaitAsync(TimeSpan.FromSeconds(10));
        await _menuNode.DisposeAsync();
        await _peer.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_incoming_offer_is_announced_then_accepted_under_option_10()
    {
        var source = TestFiles.Random(_dir, "holiday.jpg", 700_000);
        var mark = _output.Mark();
        var id = (await _peer.OfferFileAsync(TestNodes.KeyOf(_menuNode), source)).Info().Id;
        await _output.WaitForAsync("offers holiday.jpg (683.6 KiB, SHA-256", mark);
        await _output.WaitForAsync("accept or decline it (menu option 10)", mark);

        _input.Send("10");
        await _output.WaitForAsync("<- holiday.jpg from peer", mark);
        await _output.WaitForAsync("waiting for you: accept or decline", mark);
        _input.Send("accept", "1");

        var done = await _menuEvents.For<TransferCompleted>(id);
        await _output.WaitForAsync("Received holiday.jpg from peer", mark);
        Assert.Equal(Path.Combine(MenuDownloads, "holiday.jpg"), done.Transfer.Path);
        Assert.Equal(TestFiles.Sha256(source), TestFiles.Sha256(done.Transfer.Path));
    }

    [Fact]
    public async Task An_incoming_offer_can_be_declined_under_option_10()
    {
        var mark = _output.Mark();
        var id = (await _peer.OfferFileAsync(TestNodes.KeyOf(_menuNode), TestFiles.Random(_dir, "spam.exe", 1000))).Info().Id;
        await _output.WaitForAsync("offers spam.exe", mark);

        _input.Send("10", "decline", "1");

        await _peerEvents.For<TransferDeclined>(id);
        await _output.WaitForAsync("Declined spam.exe", mark);
        Assert.False(Directory.Exists(MenuDownloads));
    }

    [Fact]
    public async Task Option_9_sends_a_file_to_the_picked_peer()
    {
        TestFiles.AcceptEverything(_peer);
        var source = TestFiles.Random(_dir, "report.pdf", 1_500_000);
        var hello = await _peer.SendAsync(TestNodes.KeyOf(_menuNode), "hi"); // the menu node knows the peer now
        await hello.Delivered!.WaitAsync(TestFiles.Timeout);
        var mark = _output.Mark();

        _input.Send("9", "1", source);

        var done = await _peerEvents.WaitFor<TransferCompleted>(timeout: TestFiles.Timeout);
        Assert.Equal(TestFiles.Sha256(source), TestFiles.Sha256(done.Transfer.Path));
        await _output.WaitForAsync("Offered report.pdf", mark);
        await _output.WaitForAsync("Sent report.pdf to peer", mark);
    }

    [Fact]
    public async Task Option_9_with_a_missing_file_says_so()
    {
        var hello = await _peer.SendAsync(TestNodes.KeyOf(_menuNode), "hi");
        await hello.Delivered!.WaitAsync(TestFiles.Timeout);
        var mark = _output.Mark();

        _input.Send("9", "1", _dir.Combine("missing.bin"));

        await _output.WaitForAsync("no such file", mark);
    }
}
