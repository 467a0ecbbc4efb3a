using System.Text.Json;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// A contact no handshake has shown (made by <c>add</c>, or <c>trust</c>/<c>block</c> of an ID) is listed as
/// "never seen", and its JSON lastSeen is null: it was listed as "last seen" at the time of the command (hunt-A item 11).
/// </summary>
public sealed class NeverSeenContactTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly NodeIdentity _bob = NodeIdentity.CreateEphemeral();

    public void Dispose()
    {
        _bob.Dispose();
        _data.Dispose();
    }

    private async Task<string> RunOkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync([.. args, "--data-dir", _data.Path]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return stdout;
    }

    private async Task AssertNeverSeenAsync(string? address)
    {
        var line = (await RunOkAsync("contacts")).Split('\n').Single(l => l.StartsWith(_bob.Id.ToString(), StringComparison.Ordinal));
        Assert.Contains("never seen (added ", line);
        Assert.DoesNotContain("last seen", line);
        if (address is not null)
            Assert.EndsWith($", address {address}", line.TrimEnd());
        var contact = JsonDocument.Parse(await RunOkAsync("contacts", "--json")).RootElement.EnumerateArray()
            .Single(c => c.GetProperty("id").GetString() == _bob.Id.ToString());
        Assert.Equal(JsonValueKind.Null, contact.GetProperty("lastSeen").ValueKind);
        Assert.True(DateTimeOffset.TryParse(contact.GetProperty("firstSeen").GetString(), out _));
    }

    [Theory]
    [InlineData("trust")]
    [InlineData("block")]
    public async Task Trusting_or_blocking_an_ID_never_met_does_not_make_it_seen(string decision)
    {
        await RunOkAsync(decision, _bob.Id.ToString());
        await AssertNeverSeenAsync(null);
    }

    [Fact]
    public async Task A_contact_added_from_a_link_is_never_seen_with_the_links_address()
    {
        var link = new InviteLink(_bob.Id, SyncthingDeviceId.FromCertificate(_bob.Certificate), "Bob", [new PeerKey("192.0.2.4", 5001)], null);
        await RunOkAsync("add", link.ToString());
        await AssertNeverSeenAsync("192.0.2.4:5001");
    }

    [Fact]
    public void A_handshake_after_the_link_makes_it_seen_and_another_link_does_not_unsee_it()
    {
        var store = TrustStore.InMemory();
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        store.RecordContact(_bob.Id, "Bob", "192.0.2.4:5001", t0, met: false);
        Assert.True(store.Find(_bob.Id)!.NeverSeen);

        store.RecordContact(_bob.Id, "Bob", "192.0.2.4:5001", t0.AddHours(1));
        store.RecordContact(_bob.Id, "Bob", "192.0.2.4:5002", t0.AddHours(2), met: false);

        var contact = store.Find(_bob.Id)!;
        Assert.False(contact.NeverSeen);
        Assert.Equal(t0.AddHours(1), contact.LastSeen);
    }
}
