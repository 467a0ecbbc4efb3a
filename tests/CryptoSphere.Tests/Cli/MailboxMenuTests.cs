using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Mailbox;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Menu option 12 (mailboxes) and where a waiting message is, driven line by line through the menu's console
/// against real nodes: Alice runs the menu; her message to Bob (offline) is held by M, her message to Carol
/// (offline, no mailbox) waits in the outbox only.
/// </summary>
public sealed class MailboxMenuTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ScriptedInput _input = new();
    private readonly CapturedOutput _output = new();
    private readonly NodeIdentity _carol = NodeIdentity.CreateEphemeral();
    private StoredNode _m = null!;
    private StoredNode _alice = null!;
    private PeerId _bob;
    private Task _menu = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _m = await StoredNode.StartAsync("m", _temp.Combine("m"));
        _alice = await StoredNode.StartAsync("alice", _temp.Combine("alice"));
        var bob = await MailboxNodeTests.BobUsesMAsync(_m, _temp.Combine("bob"), _alice.Identity.Id);
        _bob = bob.Id;
        Trust(_bob, "bob", $"127.0.0.1:{bob.Port}");
        Trust(_m.Identity.Id, "m", _m.Key.ToString());
        Trust(_carol.Id, "carol", $"127.0.0.1:{TestNodes.DeadPort()}");
        Assert.True(_alice.Node.Mailboxes.LearnPeer(_bob, bob.Key, bob.Mailboxes));
        var toBob = await _alice.Node.SendAsync(_bob, "waits at m for bob");
        await _alice.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == toBob.MessageId, TimeSpan.FromSeconds(20));
        Assert.NotEqual(Core.Storage.MessageState.Failed, (await _alice.Node.SendAsync(_carol.Id, "waits in the outbox for carol")).State);

        var menu = new InteractiveMenu(_alice.Node, new PlainMenuConsole(_input, _output));
        _menu = Task.Run(() => menu.RunAsync(CancellationToken.None));
        await _output.WaitForAsync("Choice: ");
    }

    public async Task DisposeAsync()
    {
        _input.End();
        await _menu.WaitAsync(EventWaiter.DefaultTimeout);
        await _alice.DisposeAsync();
        await _m.DisposeAsync();
        _carol.Dispose();
    }

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _temp.Dispose();
    }

    private void Trust(PeerId id, string name, string address)
    {
        _alice.Node.Trust.RecordContact(id, name, address, DateTimeOffset.UtcNow);
        _alice.Node.Trust.SetState(id, TrustState.Trusted, DateTimeOffset.UtcNow);
    }

    private async Task<string> ChooseAsync(params string[] lines)
    {
        var mark = _output.Mark();
        _input.Send(lines);
        return await _output.WaitForAsync("Choice: ", mark);
    }

    [Fact]
    public async Task Option12_shows_the_mailbox_status_and_where_each_waiting_message_is()
    {
        var shown = await ChooseAsync("12", "");

        Assert.Contains("Your mailboxes: none (mailbox use ID).", shown);
        Assert.Contains("Holding mail for: nobody (mailbox serve ID).", shown);
        Assert.Contains("Waiting messages:", shown);
        var lines = shown.Split('\n');
        Assert.Contains(lines, l => l.Contains("waits at m for bob", StringComparison.Ordinal) && l.Contains("(for bob: held by mailbox m)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("waits in the outbox for carol", StringComparison.Ordinal) && l.Contains("(for carol: waiting in the outbox)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Option8_history_says_where_an_undelivered_message_waits()
    {
        var list = await ChooseAsync("8", "");
        var conversation = Core.Conversations.ConversationId.Peer(_bob).ToString();
        var bobsLine = list.Split('\n').Single(l => l.Contains($"({conversation})", StringComparison.Ordinal));
        var number = bobsLine.Trim().Split('.')[0];

        var shown = await ChooseAsync("8", number);

        Assert.Contains("waits at m for bob", shown);
        Assert.Contains("(for bob: held by mailbox m)", shown);
    }

    [Fact]
    public async Task Option12_changes_the_mailbox_settings_and_status_shows_them()
    {
        var used = await ChooseAsync("12", "use", _m.Identity.Id.Value);
        Assert.Contains("will be asked to hold your mail", used);
        Assert.Equal(_m.Identity.Id, Assert.Single(_alice.Node.Mailboxes.Used()).Mailbox);

        var served = await ChooseAsync("12", "serve", _bob.Value, "50 10 7");
        Assert.Contains("up to 50 envelopes, 10 MB, 7 days each", served);
        var quota = Assert.Single(_alice.Node.Mailboxes.Served()).Quota;
        Assert.Equal(new MailboxQuota(50, 10L << 20, TimeSpan.FromDays(7)), quota);

        var status = await ChooseAsync("12", "");
        Assert.Contains($"{_m.Identity.Id} (m)  ", status);
        Assert.Contains($"{_bob} (bob)  agreed; has not asked yet  0/50 envelopes, 0/10240 KB, kept 7 days", status);

        var stopped = await ChooseAsync("12", "stop-using", _m.Identity.Id.Value);
        Assert.Contains("is no longer one of your mailboxes", stopped);
        Assert.Empty(_alice.Node.Mailboxes.Used());
    }

    [Fact]
    public async Task Option12_refuses_bad_input_and_changes_nothing()
    {
        Assert.Contains("'bogus' is not an action.", await ChooseAsync("12", "bogus"));
        Assert.Contains("the envelope count must be at least 1", await ChooseAsync("12", "serve", _bob.Value, "0 10 7"));
        Assert.Contains("give three numbers", await ChooseAsync("12", "serve", _bob.Value, "lots"));
        var stranger = NodeIdentity.CreateEphemeral();
        Assert.Contains("cannot use", await ChooseAsync("12", "use", stranger.Id.Value));
        stranger.Dispose();

        Assert.Empty(_alice.Node.Mailboxes.Served());
        Assert.Empty(_alice.Node.Mailboxes.Used());
    }
}
