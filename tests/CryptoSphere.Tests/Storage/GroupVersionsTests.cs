using CryptoSphere.Core.Groups;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Storage;

/// <summary>
/// What an admin's node asks every outbox pass: which of its groups changed. Only its own groups, with the version
/// on disk now (another process, the `group` command, may have changed it since).
/// </summary>
public sealed class GroupVersionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Only_the_admins_own_groups_are_listed_with_their_current_versions()
    {
        using var store = ChatStore.Open(_dir.Path);
        var me = PeerId.FromPublicKeyInfo([1, 2, 3]);
        var other = PeerId.FromPublicKeyInfo([4, 5, 6]);
        var mine = new Group(Guid.NewGuid(), "mine", me, 1, [new GroupMember(me, null, false), new GroupMember(other, "127.0.0.1:4000", false)], true);
        var alsoMine = new Group(Guid.NewGuid(), "also mine", me, 3, [new GroupMember(me, null, false)], true);
        var theirs = new Group(Guid.NewGuid(), "theirs", other, 7, [new GroupMember(other, null, false), new GroupMember(me, null, false)], true);
        foreach (var g in new[] { mine, alsoMine, theirs })
            Assert.True(store.SaveGroup(g, me));

        Assert.Equal(new[] { (mine.Id, 1L), (alsoMine.Id, 3L) }.OrderBy(v => v.Item1), store.GroupVersionsAdministeredBy(me).OrderBy(v => v.Id));
        Assert.Equal([(theirs.Id, 7L)], store.GroupVersionsAdministeredBy(other));

        // A member removed by another process on the same data directory: the next pass sees the new version.
        using (var elsewhere = ChatStore.Open(_dir.Path))
            Assert.True(elsewhere.SaveGroup(mine with { Version = 2, Members = [new GroupMember(me, null, false), new GroupMember(other, "127.0.0.1:4000", true)] }, me));
        Assert.Contains((mine.Id, 2L), store.GroupVersionsAdministeredBy(me));
    }
}
