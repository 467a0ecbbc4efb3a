using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>add LINK</c> as a process: what it prints is the contact's true state, and a link, which anyone can write,
/// never renames or re-routes a trusted or blocked contact. Found from outside: it printed "Added NAME as unverified"
/// for a trusted or blocked contact and renamed it, and wrote a bidi override from the link's name raw.
/// </summary>
public sealed class AddCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly NodeIdentity _bob = NodeIdentity.CreateEphemeral();

    public void Dispose()
    {
        _bob.Dispose();
        _data.Dispose();
    }

    private string Link(string name, int port) =>
        new InviteLink(_bob.Id, SyncthingDeviceId.FromCertificate(_bob.Certificate), name, [new PeerKey("192.0.2.4", port)], null).ToString();

    private async Task<string> RunOkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync([.. args, "--data-dir", _data.Path]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Equal("", stderr);
        return stdout;
    }

    private async Task<(string Name, string State, string? Address)> ContactAsync()
    {
        var contact = JsonDocument.Parse(await RunOkAsync("contacts", "--json")).RootElement.EnumerateArray()
            .Single(c => c.GetProperty("id").GetString() == _bob.Id.ToString());
        return (contact.GetProperty("name").GetString()!, contact.GetProperty("state").GetString()!, contact.GetProperty("lastAddress").GetString());
    }

    [Theory]
    [InlineData("trust")]
    [InlineData("block")]
    public async Task A_link_for_a_trusted_or_blocked_contact_changes_nothing_and_says_so(string decision)
    {
        await RunOkAsync("add", Link("Bob", 5001));
        await RunOkAsync(decision, _bob.Id.ToString());
        var state = decision == "trust" ? "trusted" : "blocked";

        var added = await RunOkAsync("add", "--trust", Link("Mallory", 6666));

        Assert.StartsWith($"Bob ({_bob.Id}) was already a contact ({state}); nothing changed", added);
        Assert.Contains("The link calls it Mallory.", added);
        Assert.DoesNotContain("Added", added);
        Assert.Equal(("Bob", state, "192.0.2.4:5001"), await ContactAsync());
    }

    [Fact]
    public async Task A_link_for_an_unverified_contact_says_what_it_changed()
    {
        await RunOkAsync("add", Link("Bob", 5001));

        var added = await RunOkAsync("add", "--trust", Link("Robert", 5002));

        Assert.Equal($"Bob ({_bob.Id}) was already a contact (unverified); renamed to Robert; its address is now 192.0.2.4:5002; now trusted.",
            added.Trim());
        Assert.Equal(("Robert", "trusted", "192.0.2.4:5002"), await ContactAsync());
    }

    [Fact]
    public async Task The_links_name_is_shown_with_its_bidi_controls_escaped_as_contacts_shows_them()
    {
        var added = await RunOkAsync("add", Link("Bob\u202e2J\u2066x", 5001));

        Assert.StartsWith($"Added Bob\\u202e2J\\u2066x ({_bob.Id}) as unverified.", added);
        Assert.DoesNotContain('\u202e', added);
        Assert.DoesNotContain('\u2066', added);
        Assert.Contains("Bob\\u202e2J\\u2066x", await RunOkAsync("contacts"));
    }
}
