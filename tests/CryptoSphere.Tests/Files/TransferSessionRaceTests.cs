using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>
/// For a moment two sessions can exist between two nodes (a reconnect racing the old connection, or both
/// dialling at once); one of them is then closed. A transfer must end up running on the one that stays,
/// whichever session its frames came on. Here the receiver is played by hand, so the interleaving is exact.
/// </summary>
public sealed class TransferSessionRaceTests : IDisposable
{
    private const int FileSize = 4 * 1024 * 1024 + 333;
    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_accept_carried_by_a_losing_second_connection_leaves_the_transfer_on_the_live_one()
    {
        // The sender has the smaller ID: on a double connection both sides keep the one it opened.
        var (small, large) = SmallerFirst(NodeIdentity.CreateEphemeral(), NodeIdentity.CreateEphemeral());
        using var aliceIdentity = small;
        using var bobIdentity = large;
        var events = new EventWaiter();
        // The smallest window: the pump waits for acknowledgements long before the file is out.
        await using var alice = await TestNodes.StartAsync("alice", events, o => o with { FileWindowBytes = 512 * 1024 }, aliceIdentity);
        var source = TestFiles.Random(_dir, "race.bin", FileSize);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var bobPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            var accepting = RawSecurePeer.AcceptAsync(listener, bobIdentity);
            var offering = alice.OfferFileAsync(new PeerKey(TestNodes.Loopback, bobPort), source);
            await using var live = await accepting;
            await live.SendAsync(Hello(bobPort));
            await live.ReadUntilAsync(FrameType.Hello);
            var offer = FileOfferMessage.Decode(new((await live.ReadUntilAsync(FrameType.FileOffer, FrameTimeout)).Body));
            var id = offer.TransferId;
            Assert.True((await offering).Success);
            await live.SendAsync(new FileAcceptMessage(id, 0).Encode);
            var received = new MemoryStream();
            Append(received, FileChunkMessage.Decode(new((await live.ReadUntilAsync(FrameType.FileChunk, FrameTimeout)).Body)));

            // A second connection from bob (the larger ID) loses to the live one, but the FILE_ACCEPT it carried
            // with its HELLO is still handled before it closes.
            await using (var losing = await RawSecurePeer.ConnectAsync(alice.Port, bobIdentity, alice.Identity.Id))
            {
                var hello = new ArrayBufferWriter<byte>();
                Hello(bobPort)(hello);
                new FileAcceptMessage(id, 0).Encode(hello);
                await losing.WriteAsync(hello.WrittenSpan.ToArray());
                await losing.ReadUntilClosedAsync(FrameTimeout);
            }
            Assert.Equal([bobIdentity.Id], alice.ConnectedPeerIds);

            // The live connection carries the rest (or the offer again, answered from what arrived) to FILE_DONE.
            await ReceiveRestAsync(live, id, received);

            await live.SendAsync(new FileResultMessage(id, FileResultStatus.Ok, "").Encode);
            await events.For<TransferCompleted>(id);
            Assert.Equal(TestFiles.Sha256(source), Convert.ToHexStringLower(SHA256.HashData(received.ToArray())));
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Plays a receiver on <paramref name="live"/>: acknowledges chunks, answers a repeated offer, stops at FILE_DONE.</summary>
    private static async Task ReceiveRestAsync(RawSecurePeer live, Guid id, MemoryStream received)
    {
        var seen = new List<FrameType>();
        // One deadline for the whole rest: heartbeats keep coming on a stalled transfer.
        var deadline = DateTime.UtcNow + FrameTimeout;
        while (true)
        {
            (FrameType Type, byte[] Body)? frame = null;
            var left = deadline - DateTime.UtcNow;
            try
            {
                if (left > TimeSpan.Zero)
                    frame = await live.ReadFrameAsync(left);
            }
            catch (TimeoutException)
            {
                left = TimeSpan.Zero;
            }
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"the transfer stalled at {received.Length} of {FileSize} bytes; frames since the race: " +
                                           string.Join(", ", seen.Distinct()));
            var (type, body) = frame ?? throw new IOException($"the live connection closed at {received.Length} bytes");
            seen.Add(type);
            switch (type)
            {
                case FrameType.FileChunk:
                    Append(received, FileChunkMessage.Decode(new(body)));
                    await live.SendAsync(new FileAckMessage(id, received.Length).Encode);
                    break;
                case FrameType.FileOffer:
                    await live.SendAsync(new FileAcceptMessage(id, received.Length).Encode);
                    break;
                case FrameType.Ping:
                    await live.SendAsync(w => PingMessage.Decode(new(body)).Encode(w, FrameType.Pong));
                    break;
                case FrameType.FileDone:
                    Assert.Equal(FileSize, received.Length);
                    return;
            }
        }
    }

    /// <summary>Keeps the bytes past what arrived already (a resumed run may repeat some).</summary>
    private static void Append(MemoryStream received, FileChunkMessage chunk)
    {
        var skip = received.Length - chunk.Offset;
        Assert.True(skip >= 0, $"a chunk at {chunk.Offset} after only {received.Length} bytes");
        if (skip < chunk.Data.Length)
            received.Write(chunk.Data.Slice(skip).ToArray());
    }

    private static Action<IBufferWriter<byte>> Hello(int listenPort) =>
        w => new HelloMessage(HelloMessage.CurrentVersion, (ushort)listenPort, Capabilities.FileTransfer, "bob").Encode(w);

    private static (NodeIdentity Small, NodeIdentity Large) SmallerFirst(NodeIdentity a, NodeIdentity b) =>
        string.CompareOrdinal(a.Id.Value, b.Id.Value) < 0 ? (a, b) : (b, a);
}
