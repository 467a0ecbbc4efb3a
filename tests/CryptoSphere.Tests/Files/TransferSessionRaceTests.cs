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
        await using var alice = await SmallWindowAliceAsync(events, aliceIdentity);
        var source = TestFiles.Random(_dir, "race.bin", FileSize);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var bobPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            var received = new MemoryStream();
            var (started, id) = await AcceptedWithFirstChunkAsync(alice, listener, bobIdentity, source, received);
            await using var live = started;

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

    [Fact]
    public async Task A_run_cut_off_because_a_newer_connection_won_is_offered_again_and_finishes_on_that_connection()
    {
        // The receiver has the smaller ID: on a double connection both sides keep the one it opened, so its second
        // connection wins over the first, on which the transfer runs.
        var (small, large) = SmallerFirst(NodeIdentity.CreateEphemeral(), NodeIdentity.CreateEphemeral());
        using var bobIdentity = small;
        using var aliceIdentity = large;
        var events = new EventWaiter();
        await using var alice = await SmallWindowAliceAsync(events, aliceIdentity);
        // The offer made again when the run is cut off races the one the new connection gets when it opens, and the two
        // look the same: it is held until bob has had the other one.
        var offerAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.FileSenderForTests.OfferAgainHeldUntil = offerAgain.Task;
        var source = TestFiles.Random(_dir, "reoffer.bin", FileSize);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var bobPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            var received = new MemoryStream();
            var (started, id) = await AcceptedWithFirstChunkAsync(alice, listener, bobIdentity, source, received);
            await using (var first = started)
            {
                await events.For<TransferAccepted>(id);

                // Bob connects again; his connection wins, and alice closes the first one with the run on it.
                await using var second = await RawSecurePeer.ConnectAsync(alice.Port, bobIdentity, alice.Identity.Id);
                await second.SendAsync(Hello(bobPort));
                await second.ReadUntilAsync(FrameType.Hello);

                // The offer alice makes when the new connection opens goes unanswered, as a receiver leaves an offer that
                // comes on a connection that has not yet won there (it can read the connection's first frames before then).
                var onOpen = FileOfferMessage.Decode(new((await second.ReadUntilAsync(FrameType.FileOffer, FrameTimeout)).Body));
                Assert.Equal(id, onOpen.TransferId);
                foreach (var (type, body) in await first.ReadUntilClosedAsync(FrameTimeout))
                {
                    if (type == FrameType.FileChunk)
                        Append(received, FileChunkMessage.Decode(new(body)));
                }
                await events.For<TransferInterrupted>(id);

                // So only the offer made again when the run was cut off can resume it on the connection that won.
                offerAgain.SetResult();
                var again = FileOfferMessage.Decode(new((await second.ReadUntilAsync(FrameType.FileOffer, FrameTimeout)).Body));
                Assert.Equal(id, again.TransferId);
                await second.SendAsync(new FileAcceptMessage(id, received.Length).Encode);
                await ReceiveRestAsync(second, id, received);
                await second.SendAsync(new FileResultMessage(id, FileResultStatus.Ok, "").Encode);
                await events.For<TransferCompleted>(id);
                Assert.Equal([bobIdentity.Id], alice.ConnectedPeerIds);
            }
            Assert.Equal(TestFiles.Sha256(source), Convert.ToHexStringLower(SHA256.HashData(received.ToArray())));
        }
        finally
        {
            offerAgain.TrySetResult();
            listener.Stop();
        }
    }

    [Fact]
    public async Task The_receiver_answers_an_offer_on_the_senders_current_connection_not_the_one_it_came_on()
    {
        using var aliceIdentity = NodeIdentity.CreateEphemeral();
        var events = new EventWaiter();
        var downloads = _dir.Combine("downloads");
        await using var bob = await TestNodes.StartAsync("bob", events, o => o with { DownloadsDirectory = downloads });
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        var id = Guid.CreateVersion7();

        // Alice offers on her first connection, then connects again (a reconnect: it replaces the first) before Bob's
        // user answers.
        await using (var first = await GreetedAliceAsync(bob, aliceIdentity))
        {
            await first.SendAsync(new FileOfferMessage(id, data.Length, SHA256.HashData(data), "answer.bin").Encode);
            await events.For<TransferOffered>(id);
            await using var replacing = await GreetedAliceAsync(bob, aliceIdentity);
            await first.ReadUntilClosedAsync(FrameTimeout);

            Assert.True((await bob.AcceptTransferAsync(id)).Success);

            // The answer goes on the connection that stays, and the file follows there.
            var accept = FileAcceptMessage.Decode(new((await replacing.ReadUntilAsync(FrameType.FileAccept, FrameTimeout)).Body));
            Assert.Equal((id, 0L), (accept.TransferId, accept.Offset));
            for (var offset = 0; offset < data.Length; offset += FileChunkMessage.MaxDataBytes)
            {
                var at = offset;
                await replacing.SendAsync(w => FileChunkMessage.Encode(w, id, at, data.AsMemory(at, Math.Min(FileChunkMessage.MaxDataBytes, data.Length - at))));
            }
            await replacing.SendAsync(new FileDoneMessage(id, data.Length).Encode);
            var result = FileResultMessage.Decode(new((await replacing.ReadUntilAsync(FrameType.FileResult, FrameTimeout)).Body));
            Assert.Equal(FileResultStatus.Ok, result.Status);
        }
        var done = await events.For<TransferCompleted>(id);
        Assert.Equal(data, await File.ReadAllBytesAsync(done.Transfer.Path));
    }

    // The smallest window: the run waits for acknowledgements long before the file is out.
    private static Task<ChatNode> SmallWindowAliceAsync(EventWaiter events, NodeIdentity identity) =>
        TestNodes.StartAsync("alice", events, o => o with { FileWindowBytes = 512 * 1024 }, identity);

    /// <summary>
    /// Bob played by hand on <paramref name="listener"/>: takes alice's connection and her offer of <paramref name="source"/>,
    /// accepts it from the start and reads the first chunk into <paramref name="received"/>. The transfer runs on that connection.
    /// </summary>
    private static async Task<(RawSecurePeer Bob, Guid Id)> AcceptedWithFirstChunkAsync(ChatNode alice, TcpListener listener, NodeIdentity bob,
        string source, MemoryStream received)
    {
        var bobPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = RawSecurePeer.AcceptAsync(listener, bob);
        var offering = alice.OfferFileAsync(new PeerKey(TestNodes.Loopback, bobPort), source);
        var connection = await accepting;
        await connection.SendAsync(Hello(bobPort));
        await connection.ReadUntilAsync(FrameType.Hello);
        var id = FileOfferMessage.Decode(new((await connection.ReadUntilAsync(FrameType.FileOffer, FrameTimeout)).Body)).TransferId;
        Assert.True((await offering).Success);
        await connection.SendAsync(new FileAcceptMessage(id, 0).Encode);
        Append(received, FileChunkMessage.Decode(new((await connection.ReadUntilAsync(FrameType.FileChunk, FrameTimeout)).Body)));
        return (connection, id);
    }

    /// <summary>Alice played by hand: a TLS connection to <paramref name="node"/> with HELLOs exchanged.</summary>
    private static async Task<RawSecurePeer> GreetedAliceAsync(ChatNode node, NodeIdentity alice)
    {
        var raw = await RawSecurePeer.ConnectAsync(node.Port, alice, node.Identity.Id);
        await raw.SendAsync(w => new HelloMessage(HelloMessage.CurrentVersion, (ushort)TestNodes.DeadPort(), Capabilities.FileTransfer, "alice").Encode(w));
        await raw.ReadUntilAsync(FrameType.Hello);
        return raw;
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
