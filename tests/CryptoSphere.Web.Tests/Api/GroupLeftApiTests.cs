using System.Net;
using CryptoSphere.Core.Identity;
using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>
/// Found from outside (hunt-B D8, D9): after leaving, POST /members still succeeded (and the admin's messages went out
/// again) while the answer said isMember:false; and a member never met could not be named by its short ID.
/// </summary>
public sealed class GroupLeftApiTests : IAsyncLifetime
{
    private WebNode _a = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _client = await _a.SignedInAsync();
    }

    public async Task DisposeAsync() => await _a.DisposeAsync();

    private async Task<string> CreateWithAsync(string name, PeerId member)
    {
        var group = await Json.ReadAsync(await WebNode.PostAsync(_client, "/api/groups", new { name }));
        var id = group.GetProperty("id").GetString()!;
        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/groups/{id}/members", new { peer = member.ToString() }));
        return id;
    }

    [Fact]
    public async Task After_leaving_adding_and_removing_members_is_a_conflict_that_changes_nothing()
    {
        using var bob = NodeIdentity.CreateEphemeral();
        using var carol = NodeIdentity.CreateEphemeral();
        var id = await CreateWithAsync("team", bob.Id);
        await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/groups/{id}/leave"));

        var added = await Json.ReadAsync(await WebNode.PostAsync(_client, $"/api/groups/{id}/members", new { peer = carol.Id.ToString() }),
            HttpStatusCode.Conflict);
        var removed = await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/groups/{id}/members/{bob.Id}"), HttpStatusCode.Conflict);

        Assert.StartsWith("you left team;", added.GetProperty("error").GetString());
        Assert.StartsWith("you left team;", removed.GetProperty("error").GetString());
        var group = Assert.Single((await Json.GetAsync(_client, "/api/groups")).EnumerateArray());
        Assert.False(group.GetProperty("isMember").GetBoolean());
        Assert.Equal(2, group.GetProperty("version").GetInt64());
        // The store agrees with the answers: still left, not written back in.
        Assert.False(_a.Node.Store.FindGroup(Guid.Parse(id))!.IsMember);
    }

    [Fact]
    public async Task A_member_never_met_is_removed_by_its_short_id()
    {
        using var stranger = NodeIdentity.CreateEphemeral();
        var id = await CreateWithAsync("crew", stranger.Id);

        var removed = await Json.ReadAsync(await WebNode.DeleteAsync(_client, $"/api/groups/{id}/members/{stranger.Id.Short}"));

        Assert.Equal(3, removed.GetProperty("version").GetInt64());
        Assert.False(removed.GetProperty("unchanged").GetBoolean());
        Assert.Equal(1, removed.GetProperty("members").GetArrayLength());
    }
}
