using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// A one-off command with no node running (<c>group send</c> without <c>--from-port</c>) listens nowhere and says port 0
/// in its Hello. Found from outside: the receiver recorded "127.0.0.1:0" as the peer's address, and its messages to the
/// peer then stayed queued after the peer's node was back.
/// </summary>
public sealed class ListensNowhereTests
{
    [Fact]
    public async Task A_peer_whose_hello_says_port_0_keeps_the_address_known_for_it_and_its_message_arrives()
    {
        var identity = NodeIdentity.CreateEphemeral();
        var events = new EventWaiter();
        await using var receiver = await TestNodes.StartAsync("receiver", events);
        string known;
        // First its node, listening: the receiver learns where it listens.
        await using (var node = await TestNodes.StartAsync("sender", identity: identity))
        {
            Assert.True((await node.SendAsync(TestNodes.KeyOf(receiver), "from the node")).Success);
            await events.WaitFor<MessageReceived>(m => m.Text == "from the node");
            known = TestNodes.KeyOf(node).ToString();
            Assert.Equal(known, receiver.Trust.Find(identity.Id)?.LastAddress);
        }

        // Then a one-off of the same identity that listens nowhere.
        await using var oneOff = new ChatNode(TestNodes.Options("sender"), identity, null);
        oneOff.StartSendOnly(0);
        var sent = await oneOff.SendAsync(TestNodes.KeyOf(receiver), "from a one-off");

        Assert.True(sent.Success, sent.Error);
        var received = await events.WaitFor<MessageReceived>(m => m.Text == "from a one-off");
        Assert.Equal(identity.Id, received.PeerId);
        Assert.Equal(known, receiver.Trust.Find(identity.Id)?.LastAddress);
    }
}
