using System.Text;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Legacy;

/// <summary>What the original peer can and cannot read, tried against a real node over sockets.</summary>
public class OldPeerTextTests
{
    [Fact]
    public async Task ALongText_ToAnOldPeer_GoesAsMessagesThatEachFitItsSingleRead()
    {
        await using var oldPeer = RawLegacyPeer.Start();
        await using var node = await TestNodes.StartAsync("alice");
        var lines = Enumerable.Range(0, 60).Select(i => $"line {i:00}: " + new string('z', 50)).ToArray();
        var text = string.Join('\n', lines);

        var result = await node.SendAsync(oldPeer.Key, text);

        Assert.True(result.Success, result.Error);
        Assert.True(result.Parts > 1);
        var texts = new List<string>();
        for (var i = 0; i < result.Parts; i++)
        {
            var bytes = await oldPeer.ReceiveAsync();
            // The original reads one recv(1024): anything past it would be lost there.
            Assert.True(bytes.Length <= 1024, $"part {i} is {bytes.Length} bytes");
            texts.Add(Assert.IsType<LegacyChat>(LegacyCodec.Decode(bytes).Message).Text);
        }
        Assert.Equal(text, string.Join('\n', texts));
    }

    [Fact]
    public async Task InvalidUtf8_FromAnOldPeer_IsShownWithReplacementCharacters_AndLabelled()
    {
        var events = new EventWaiter();
        await using var node = await TestNodes.StartAsync("bob", events);
        var raw = Encoding.UTF8.GetBytes($"<127.0.0.1:{TestNodes.DeadPort()}> @ <old>\ncaf")
            .Concat(new byte[] { 0xE9 }).Concat(Encoding.UTF8.GetBytes("\n<end>")).ToArray();

        await RawLegacyPeer.SendAsync(node.Port, raw);

        var received = await events.WaitFor<MessageReceived>();
        Assert.Equal("caf\uFFFD", received.Text);
        Assert.True(received.InvalidUtf8);
        Assert.Empty(events.All<InputRejected>());
    }
}
