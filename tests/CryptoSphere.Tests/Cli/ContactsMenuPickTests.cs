using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// Menu 7's "Contact number or peer ID": a number past the list says it is not a contact number, rather than
/// "no known peer ID starts with '99'" as if it were an ID (hunt-A item 14). Digits 2-7 can begin an ID, so a
/// number is tried as an ID prefix before it is refused.
/// </summary>
public sealed class ContactsMenuPickTests : IAsyncLifetime
{
    private readonly ChatNode _menuNode = new(TestNodes.Options("menu"));
    private readonly ScriptedInput _input = new();
    private readonly CapturedOutput _output = new();
    private readonly NodeIdentity _bob = NodeIdentity.CreateEphemeral();
    private Task _menu = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await _menuNode.StartAsync();
        _menuNode.Trust.SetState(_bob.Id, TrustState.Blocked, DateTimeOffset.UtcNow);
        var menu = new InteractiveMenu(_menuNode, new PlainMenuConsole(_input, _output));
        _menu = Task.Run(() => menu.RunAsync(CancellationToken.None));
        await _output.WaitForAsync("Choice: ");
    }

    public async Task DisposeAsync()
    {
        _input.End();
        await _menu.WaitAsync(EventWaiter.DefaultTimeout);
        await _menuNode.DisposeAsync();
        _bob.Dispose();
    }

    [Fact]
    public async Task A_contact_number_out_of_range_is_named_as_one()
    {
        var mark = _output.Mark();
        _input.Send("7", "trust", "99");
        var shown = await _output.WaitForAsync("'99' is not a contact number (1-1).", mark);
        Assert.DoesNotContain("no known peer ID", shown);
        Assert.Equal(TrustState.Blocked, _menuNode.Trust.Find(_bob.Id)!.State);
    }

    [Fact]
    public async Task A_number_in_range_still_picks_the_contact()
    {
        var mark = _output.Mark();
        _input.Send("7", "unblock", "1");
        await _output.WaitForAsync($"{_bob.Id.Short} is no longer blocked or trusted.", mark);
        Assert.NotEqual(TrustState.Blocked, _menuNode.Trust.Find(_bob.Id)!.State);
    }
}
