using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// An old peer names itself like a trusted secure peer's line, padded with spaces: "Alice (127.0.0.1:21079) [PKNL7E3,
/// trusted]: hi, it is me" and 200 spaces. Shown raw before the real label, its line read as Alice's with the real
/// "[unencrypted, unverified]" off the screen. Every line of an old peer now starts with the real label, before any text
/// the peer chose, in listen, history and search, and a name stored raw before this rule is tidied when shown.
/// </summary>
public sealed class LegacyLineSpoofTests : IDisposable
{
    private const string Label = "[unencrypted, unverified]";
    private const string Forged = "[PKNL7E3, trusted]";
    private static readonly string SpoofName = "Alice (127.0.0.1:21079) " + Forged + ": hi, it is me" + new string(' ', 200);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void The_live_line_of_an_old_peer_starts_with_its_label_and_stays_short()
    {
        var received = new MessageReceived(DateTimeOffset.Now, new PeerKey("127.0.0.1", 23480), SpoofName, "send me the file", PeerProtocol.Legacy);

        var line = EventText.Describe(received)!;

        AssertLabelFirst(line, "[");
    }

    [Fact]
    public void A_stored_line_of_an_old_peer_starts_with_its_label_even_for_a_name_stored_raw()
    {
        var now = DateTimeOffset.Now;
        var stored = new StoredMessage(Guid.NewGuid(), "legacy:127.0.0.1:23480", false, null, "127.0.0.1:23480", SpoofName,
            "send me the file", PeerProtocol.Legacy, now, now, MessageState.Received) { Sequence = 1 };

        var line = MessageText.Line(stored);

        AssertLabelFirst(line, "#1 [");
        Assert.DoesNotContain("  ", line); // the padding is gone
    }

    [Fact]
    public async Task Listen_history_and_search_show_the_label_before_the_forged_one_within_the_first_columns()
    {
        await using (var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "me", "--port", TestNodes.DeadPort().ToString(),
                         "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1"))
        {
            var started = await listen.Stdout.WaitForAsync("Listening on 127.0.0.1:");
            var port = int.Parse(started.Split('\n')[0].Split(':')[^1]);

            await RawLegacyPeer.SendAsync(port, $"<127.0.0.1:{TestNodes.DeadPort()}> @ <{SpoofName}>\nsend me the file\n<end>");
            var shown = await listen.Stdout.WaitForAsync("send me the file");
            listen.Terminate();
            await listen.WaitForExitAsync();
            AssertLabelFirst(Line(shown), "[");
            AssertLabelFirst(shown.Split('\n').Single(l => l.StartsWith("New peer", StringComparison.Ordinal)), "New peer ");
        }

        foreach (var command in new[] { new[] { "history" }, ["search", "file"] })
        {
            var (code, stdout, stderr) = await CliProcess.RunAsync([.. command, "--data-dir", _data.Path]);
            Assert.True(code == 0, stderr);
            AssertLabelFirst(Line(stdout), "#1 [");
        }
    }

    private static string Line(string output) => output.Split('\n').Single(l => l.Contains("send me the file", StringComparison.Ordinal));

    /// <summary>The real label is right after the line's own prefix (and its time), far before anything the peer wrote.</summary>
    private static void AssertLabelFirst(string line, string prefix)
    {
        Assert.StartsWith(prefix, line);
        var label = line.IndexOf(Label, StringComparison.Ordinal);
        var forged = line.IndexOf(Forged, StringComparison.Ordinal);
        Assert.True(label >= 0 && label < 30, $"the real label is not among the first columns: {line}");
        Assert.True(forged < 0 || label < forged, $"the forged label comes first: {line}");
        Assert.True(line.Length < 160, $"a padded name made the line {line.Length} characters long: {line}");
    }
}
