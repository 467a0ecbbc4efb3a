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
    private readonly MenuScene _scene = new();
    private readonly NodeIdentity _bob = NodeIdentity.CreateEphemeral();

    public Task InitializeAsync() => _scene.StartAsync(node => node.Trust.SetState(_bob.Id, TrustState.Blocked, DateTimeOffset.UtcNow));

    public async Task DisposeAsync()
    {
        await _scene.DisposeAsync();
        _bob.Dispose();
    }

    [Fact]
    public async Task A_contact_number_out_of_range_is_named_as_one()
    {
        var mark = _scene.Output.Mark();
        _scene.Input.Send("7", "trust", "99");
        var shown = await _scene.Output.WaitForAsync("'99' is not a contact number (1-1).", mark);
        Assert.DoesNotContain("no known peer ID", shown);
        Assert.Equal(TrustState.Blocked, _scene.Node.Trust.Find(_bob.Id)!.State);
    }

    [Fact]
    public async Task A_number_in_range_still_picks_the_contact()
    {
        var mark = _scene.Output.Mark();
        _scene.Input.Send("7", "unblock", "1");
        await _scene.Output.WaitForAsync($"{_bob.Id.Short} is no longer blocked or trusted.", mark);
        Assert.NotEqual(TrustState.Blocked, _scene.Node.Trust.Find(_bob.Id)!.State);
    }
}
