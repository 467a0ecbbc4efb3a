using System.Text.Json;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// A one-off <c>send</c> (no node running) and relays, found from outside (hunt C5, C10): a contact reachable only
/// through its relay was called "offline (connection refused)", and a made-up <c>relay~bogus:PORT</c> was taken as
/// HOST:PORT and queued.
/// </summary>
public sealed class OneOffRelayTargetTests : IDisposable
{
    // Never contacted: a one-off send dials no relay (port 9, discard, is not listened on here either).
    private const string Relay = "relay://127.0.0.1:9/?id=P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AOneOffSend_ToAContactWithARelay_SaysItDoesNotUseRelays_AndKeepsTheMessageQueued()
    {
        var alice = _temp.Combine("alice");
        var bob = _temp.Combine("bob");
        var dead = TestNodes.DeadPort();
        var (inviteCode, link, _) = await CliProcess.RunAsync("invite", "--data-dir", alice, "-p", dead.ToString(), "-n", "alice",
            "--advertise-ip", "127.0.0.1", "--relay", Relay);
        var aliceId = (await CliProcess.RunAsync("id", "--data-dir", alice)).Stdout.Trim();
        var (addCode, _, addError) = await CliProcess.RunAsync("add", "--data-dir", bob, link.Trim());
        Assert.Equal((0, 0, ""), (inviteCode, addCode, addError));

        var (code, stdout, stderr) = await CliProcess.RunAsync("send", "--to", aliceId[..7], "-n", "bob", "--from-port", "4321",
            "--data-dir", bob, "hello via relay");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"cryptosphere: could not send to {aliceId[..7]}: {aliceId[..7]} is reachable only through relay 127.0.0.1:9 " +
                          $"(its address 127.0.0.1:{dead} does not answer); ", stderr);
        Assert.Contains("a one-off send does not use relays: run `cryptosphere listen` (or start the node) on this data directory to deliver it.", stderr);
        Assert.DoesNotContain("is offline", stderr);
        Assert.Contains("It is kept in the outbox of", stderr);
        var outbox = JsonDocument.Parse((await CliProcess.RunAsync("outbox", "--json", "--data-dir", bob)).Stdout).RootElement;
        Assert.Equal(1, outbox.GetArrayLength());
        Assert.Contains("relay", (await CliProcess.RunAsync("send", "--help")).Stdout);
    }

    [Fact]
    public async Task AMadeUpRelayPseudoAddress_IsRefused_WithExit2_AndNothingIsQueued()
    {
        var data = _temp.Combine("bob");

        var (code, stdout, stderr) = await CliProcess.RunAsync("send", "--to", "relay~bogus:42067", "-n", "bob", "--from-port", "4321",
            "--data-dir", data, "hello");

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal("cryptosphere: 'relay~bogus:42067' is not an address: relay~ID:PORT names a known contact reached through a relay, " +
                     "and 'bogus' is not the whole ID of one; send to the peer's ID instead", stderr.Trim());
        Assert.Equal("[]", (await CliProcess.RunAsync("outbox", "--json", "--data-dir", data)).Stdout.Trim());
    }
}
