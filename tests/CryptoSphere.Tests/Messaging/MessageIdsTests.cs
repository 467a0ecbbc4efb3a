using CryptoSphere.Core.Messaging;

namespace CryptoSphere.Tests.Messaging;

/// <summary>
/// Message IDs are UUIDv7 as the platform makes them (RFC 9562: the time in the first 48 bits, version 7, variant
/// 10xx), with their random bits from the cryptographic generator instead of a read of /dev/urandom per ID.
/// </summary>
public sealed class MessageIdsTests
{
    [Fact]
    public void An_id_has_the_layout_of_the_platforms_version_7_ids()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(0x0123_4567_89AB);
        var ours = MessageIds.NewV7(at);
        var platform = Guid.CreateVersion7(at);

        Assert.Equal(7, ours.Version);
        Assert.Equal(platform.Version, ours.Version);
        Assert.InRange(ours.Variant, 0x8, 0xB);
        // The time, big-endian, in the first six bytes: the bytes that go on the wire and order the IDs.
        Assert.Equal(platform.ToByteArray(bigEndian: true)[..6], ours.ToByteArray(bigEndian: true)[..6]);
        Assert.Equal([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB], ours.ToByteArray(bigEndian: true)[..6]);
    }

    [Fact]
    public void Ids_are_unique_and_ordered_by_their_time()
    {
        var start = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 100_000).Select(i => MessageIds.NewV7(start.AddMilliseconds(i / 100))).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Across milliseconds the order of the big-endian bytes is the order of the times.
        var firstOfEachMillisecond = ids.Where((_, i) => i % 100 == 0).Select(g => Convert.ToHexString(g.ToByteArray(bigEndian: true))).ToList();
        Assert.Equal(firstOfEachMillisecond.Order(StringComparer.Ordinal), firstOfEachMillisecond);
        // The random part does vary: 74 bits, never all the same.
        Assert.True(ids.Select(g => g.ToByteArray(bigEndian: true)[8..].Aggregate(0, (h, b) => h * 31 + b)).Distinct().Count() > 99_000);
    }

    [Fact]
    public async Task Ids_made_on_many_threads_at_once_are_all_different()
    {
        // Each thread draws from its own pool of random bytes: no two threads may hand out the same bits.
        var at = DateTimeOffset.UtcNow;
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 20_000).Select(_ => MessageIds.NewV7(at)).ToList())));

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }
}
