using System.Security.Cryptography;
using CryptoSphere.Core.Files;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Files;

/// <summary>
/// A peer that breaks the transfer rules fails that one transfer: the connection, the node and any other
/// transfer carry on. The misbehaving peer is a raw secure client that sends exactly what the test says.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _downloads;
    private readonly EventWaiter _bobEvents = new();
    private ChatNode _bob = null!;
    private RecordingSecurePeer _mallory = null!;

    public HostileInputTests() => _downloads = Path.Combine(_dir.Path, "downloads");

    public async Task InitializeAsync()
    {
        _bob = await TestNodes.StartAsync("bob", _bobEvents, o => o with { DownloadsDirectory = _downloads });
        _mallory = await RecordingSecurePeer.ConnectAsync(_bob.Port);
    }

    public async Task DisposeAsync()
    {
        await _mallory.DisposeAsync();
        await _bob.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Mallory offers <paramref name="data"/>; Bob accepts; returns the transfer ID once Mallory holds the FILE_ACCEPT.</summary>
    private async Task<Guid> OfferAndGetAccepted(byte[] data, byte[]? claimedHash = null)
    {
        var id = Guid.CreateVersion7();
        await _mallory.SendAsync(w => new FileOfferMessage(id, data.Length, claimedHash ?? SHA256.HashData(data), "m.bin").Encode(w));
        await _bobEvents.For<TransferOffered>(id);
        Assert.True((await _bob.AcceptTransferAsync(id)).Success);
        var accept = FileAcceptMessage.Decode(new(await _mallory.ReceiveAsync(FrameType.FileAccept)));
        Assert.Equal(new FileAcceptMessage(id, 0), accept);
        return id;
    }

    private Task Chunk(Guid id, long offset, byte[] data) =>
        _mallory.SendAsync(w => FileChunkMessage.Encode(w, id, offset, data));

    /// <summary>The connection survived: a chat from Mallory still arrives.</summary>
    private async Task StillConnected()
    {
        var message = ChatMessage.Create("still here");
        await _mallory.SendAsync(w => message.Encode(w));
        await _bobEvents.WaitFor<MessageReceived>(m => m.MessageId == message.Id);
    }

    private async Task AssertFailedAlone(Guid id, string reasonPart)
    {
        var failed = await _bobEvents.For<TransferFailed>(id);
        Assert.Contains(reasonPart, failed.Reason);
        var cancel = FileCancelMessage.Decode(new(await _mallory.ReceiveAsync(FrameType.FileCancel)));
        Assert.Equal(id, cancel.TransferId);
        Assert.Empty(TestFiles.In(_downloads));
        await StillConnected();
    }

    [Fact]
    public async Task An_oversized_chunk_fails_only_that_transfer()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        var id = await OfferAndGetAccepted(data);

        await Chunk(id, 0, data[..(FileChunkMessage.MaxDataBytes + 1)]);

        await AssertFailedAlone(id, "chunk of 65537 bytes");
    }

    [Fact]
    public async Task A_chunk_at_the_wrong_offset_fails_only_that_transfer()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        var id = await OfferAndGetAccepted(data);

        await Chunk(id, 0, data[..1000]);
        await Chunk(id, 5000, data[5000..6000]);

        await AssertFailedAlone(id, "offset 5000");
    }

    [Fact]
    public async Task A_chunk_past_the_offered_size_fails_only_that_transfer()
    {
        var data = RandomNumberGenerator.GetBytes(1000);
        var id = await OfferAndGetAccepted(data);

        await Chunk(id, 0, RandomNumberGenerator.GetBytes(1001));

        await AssertFailedAlone(id, "past the end");
    }

    [Fact]
    public async Task Data_that_does_not_match_the_offered_hash_is_deleted_and_the_sender_told()
    {
        var data = RandomNumberGenerator.GetBytes(100_000);
        var id = await OfferAndGetAccepted(data, claimedHash: SHA256.HashData("something else"u8));

        await Chunk(id, 0, data[..65536]);
        await Chunk(id, 65536, data[65536..]);
        await _mallory.SendAsync(w => new FileDoneMessage(id, data.Length).Encode(w));

        var failed = await _bobEvents.For<TransferFailed>(id);
        Assert.Contains("SHA-256 mismatch", failed.Reason);
        var result = FileResultMessage.Decode(new(await _mallory.ReceiveAsync(FrameType.FileResult)));
        Assert.Equal(FileResultStatus.HashMismatch, result.Status);
        Assert.Empty(TestFiles.In(_downloads));
        await StillConnected();
    }

    [Fact]
    public async Task A_chunk_for_an_unknown_transfer_is_rejected_and_changes_nothing()
    {
        var unknown = Guid.CreateVersion7();

        await Chunk(unknown, 0, [1, 2, 3]);

        var rejected = await _bobEvents.WaitFor<InputRejected>(r => r.Reason.Contains(unknown.ToString()));
        Assert.Contains("no such transfer", rejected.Reason);
        Assert.Equal(unknown, FileCancelMessage.Decode(new(await _mallory.ReceiveAsync(FrameType.FileCancel))).TransferId);
        Assert.Empty(_bob.Transfers);
        Assert.False(Directory.Exists(_downloads));
        await StillConnected();
    }

    [Fact]
    public async Task A_file_accept_from_a_peer_that_was_not_offered_is_ignored_and_the_real_transfer_completes()
    {
        var aliceEvents = new EventWaiter();
        await using var alice = await TestNodes.StartAsync("alice", aliceEvents);
        await using var eve = await RecordingSecurePeer.ConnectAsync(alice.Port, "eve");
        var id = (await alice.OfferFileAsync(TestNodes.KeyOf(_bob), TestFiles.Random(_dir, "for-bob.bin", 500_000))).Info().Id;
        await _bobEvents.For<TransferOffered>(id);

        // Eve learned the ID somehow and tries to have Alice send her the file.
        await eve.SendAsync(w => new FileAcceptMessage(id, 0).Encode(w));
        var rejected = await aliceEvents.WaitFor<InputRejected>(r => r.Reason.Contains(id.ToString()));
        Assert.Contains("offered to", rejected.Reason);

        Assert.True((await _bob.AcceptTransferAsync(id)).Success);
        await _bobEvents.For<TransferCompleted>(id);
        await aliceEvents.For<TransferCompleted>(id);
        Assert.DoesNotContain(FrameType.FileChunk, eve.Pending());
        Assert.Equal(500_000, alice.FindTransfer(id)!.Bytes);
    }
}
