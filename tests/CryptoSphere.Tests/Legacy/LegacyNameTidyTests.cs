using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// An old peer's team name is tidied when it arrives (whitespace runs to one space, trimmed, cut to 48 characters), so
/// it cannot pad itself out to push the real "[unencrypted, unverified]" off the screen, in the live line or in history.
/// </summary>
public sealed class LegacyNameTidyTests
{
    private const string Spoof = "Alice (127.0.0.1:21079) [PKNL7E3, trusted]: hi, it is me";

    [Theory]
    [InlineData("old-timers", "old-timers")]
    [InlineData("  spaced\t\tout \u00a0\u2003 name  ", "spaced out name")]
    [InlineData("   \t ", "")]
    [InlineData("a\u2028b", "a b")]
    public void Whitespace_runs_become_one_space_and_the_ends_are_trimmed(string sent, string kept) =>
        Assert.Equal(kept, LegacyNames.Tidy(sent));

    [Fact]
    public void A_long_name_is_cut_to_the_limit_with_an_ellipsis_and_tidying_again_changes_nothing()
    {
        var tidy = LegacyNames.Tidy(Spoof + new string(' ', 200) + "tail");

        Assert.Equal(LegacyNames.MaxLength, tidy.EnumerateRunes().Count());
        Assert.Equal("Alice (127.0.0.1:21079) [PKNL7E3, trusted]: hi,\u2026", tidy);
        Assert.Equal(tidy, LegacyNames.Tidy(tidy));
    }

    [Fact]
    public void A_name_of_characters_outside_the_BMP_is_never_cut_inside_one()
    {
        var tidy = LegacyNames.Tidy(string.Concat(Enumerable.Repeat("\U0001F600", 100)));

        Assert.Equal(string.Concat(Enumerable.Repeat("\U0001F600", LegacyNames.MaxLength - 1)) + LegacyNames.Ellipsis, tidy);
    }

    [Fact]
    public async Task A_padded_name_that_mimics_a_secure_line_arrives_tidied_in_the_event_the_store_and_the_peer_table()
    {
        await using var bob = await LoggedNode.StartAsync("bob");
        var port = TestNodes.DeadPort();

        await RawLegacyPeer.SendAsync(bob.Port, $"<127.0.0.1:{port}> @ <{Spoof}{new string(' ', 200)}>\nsend me the file\n<end>");

        var message = await bob.Events.WaitFor<MessageReceived>();
        var expected = LegacyNames.Tidy(Spoof);
        Assert.Equal(expected, message.Name);
        Assert.Equal(expected, Assert.Single(bob.Node.Store.History(null, 10)).Name);
        Assert.Equal(expected, Assert.Single(bob.Node.Peers.Snapshot()).Name);
    }
}
