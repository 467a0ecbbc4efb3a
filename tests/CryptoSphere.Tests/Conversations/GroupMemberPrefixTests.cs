using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Tests.Conversations;

/// <summary>
/// A member argument of a group command resolves against the group's own members too: `group show` lists a member
/// never met by its short ID, and `group remove GROUP SHORTID` refused that ID (found from outside, hunt-B D9).
/// </summary>
public sealed class GroupMemberPrefixTests : IDisposable
{
    private readonly TrustStore _trust = TrustStore.InMemory();
    private readonly PeerId _admin = PeerId.FromPublicKeyInfo([1, 1, 1]);
    private readonly PeerId _neverMet = PeerId.FromPublicKeyInfo([2, 2, 2]);
    private readonly PeerId _known = PeerId.FromPublicKeyInfo([3, 3, 3]);

    public GroupMemberPrefixTests() => _trust.RecordContact(_known, "bob", "127.0.0.1:5000", DateTimeOffset.UtcNow);

    public void Dispose() => _trust.Store.Dispose();

    private Group Team(params PeerId[] members) =>
        new(Guid.NewGuid(), "team", _admin, 2, [.. members.Select(m => new GroupMember(m, null, false))], true);

    [Fact]
    public void The_short_id_of_a_member_never_met_names_that_member()
    {
        Assert.False(Recipients.TryResolvePeerId(_neverMet.Short, _trust, out _, out _));

        Assert.True(Recipients.TryResolveMember(_neverMet.Short, Team(_admin, _neverMet), _trust, out var id, out var error), error);
        Assert.Equal(_neverMet, id);
    }

    [Fact]
    public void A_known_peer_outside_the_group_still_resolves_and_an_unknown_prefix_is_refused_as_before()
    {
        var team = Team(_admin, _neverMet);
        Assert.True(Recipients.TryResolveMember(_known.Value[..6], team, _trust, out var id, out _));
        Assert.Equal(_known, id);

        Assert.False(Recipients.TryResolveMember("QQQQ", team, _trust, out _, out var error));
        Assert.Contains("no known peer ID starts with 'QQQQ'", error);
    }

    [Fact]
    public void A_prefix_shared_by_a_member_and_a_known_peer_is_ambiguous()
    {
        // Two IDs that share their first character; whichever it is, a one-character prefix names both.
        Assert.True(PeerId.TryParse(_known.Value[..1] + _neverMet.Value[1..], out var twin));
        Assert.False(Recipients.TryResolveMember(_known.Value[..1], Team(twin), _trust, out _, out var error));
        Assert.Contains("matches 2 peers", error);
    }
}
