using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Security;

/// <summary>Issue 12 #10: a new key using a trusted peer's name gets a loud warning, not the generic first-contact line.</summary>
public sealed class LookalikeKeyTests
{
    [Fact]
    public async Task A_new_key_calling_itself_by_a_trusted_peers_name_is_flagged_and_rendered_as_a_warning()
    {
        var events = new EventWaiter();
        await using var target = await TestNodes.StartAsync("target", events);
        await using var bob = await TestNodes.StartAsync("bob");
        Assert.True((await bob.SendAsync(TestNodes.KeyOf(target), "hi, it's bob")).Success);
        var real = await events.WaitFor<SecurePeerConnected>(c => c.PeerId == bob.Identity.Id);
        Assert.Null(real.LookalikeOf);
        target.TrustPeer(bob.Identity.Id);

        await using var impostor = await RawSecurePeer.ConnectAsync(target.Port);
        await impostor.SendHelloAsync(40_003, "Bob");
        var fake = await events.WaitFor<SecurePeerConnected>(c => c.PeerId == impostor.Id);
        Assert.True(fake.FirstContact);
        Assert.Equal(bob.Identity.Id, fake.LookalikeOf);
        var line = EventText.Describe(fake, target.Trust)!;
        Assert.StartsWith("WARNING: a NEW key", line);
        Assert.Contains(bob.Identity.Id.Short, line);
        Assert.DoesNotContain("first contact", line);

        // A stranger with a name of its own gets the ordinary first-contact line.
        await using var stranger = await RawSecurePeer.ConnectAsync(target.Port);
        await stranger.SendHelloAsync(40_004, "carol");
        var plain = await events.WaitFor<SecurePeerConnected>(c => c.PeerId == stranger.Id);
        Assert.Null(plain.LookalikeOf);
        Assert.Contains("first contact", EventText.Describe(plain, target.Trust));
        Assert.Equal(TrustState.Unknown, target.Trust.StateOf(impostor.Id));
    }
}
