using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Trust;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Web.Tests.Support;

/// <summary>The mailbox set-up the web tests share: trusted contacts, and Bob who uses M as his mailbox and then leaves.</summary>
internal static class MailboxScene
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static void Trust(ChatNode node, ChatNode other, string name) =>
        Trust(node, other.Identity.Id, name, TestNodes.KeyOf(other).ToString());

    public static void Trust(ChatNode node, PeerId id, string name, string? address)
    {
        node.Trust.RecordContact(id, name, address, DateTimeOffset.UtcNow);
        node.Trust.SetState(id, TrustState.Trusted, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Everyone trusts everyone; Bob uses M and M agrees; Alice learns Bob's mailbox from his card; then Bob's node
    /// stops (the caller still owns its identity), so Alice's messages to him go to M.
    /// </summary>
    public static async Task BobUsesMAndLeavesAsync(ChatNode alice, ChatNode m, ChatNode bob)
    {
        var bobId = bob.Identity.Id;
        Trust(bob, m, "m");
        Trust(bob, alice, "alice");
        Trust(m, bob, "bob");
        Trust(m, alice, "alice");
        Trust(alice, bob, "bob");
        Trust(alice, m, "m");
        Assert.True(m.Mailboxes.Serve(bobId));
        Assert.True(bob.Mailboxes.Use(m.Identity.Id));
        await Eventually.HoldsAsync(() => bob.Mailboxes.Used().Single().LastState == ServeState.Serving, "M serves Bob", Wait);
        var card = MailboxDirectory.Create(bob.Identity, [new MailboxEntry(m.Identity.Id, TestNodes.KeyOf(m).ToString())]);
        Assert.True(alice.Mailboxes.LearnPeer(bobId, bob.AgreementKey, card));
        await bob.DisposeAsync();
    }
}
