using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Peers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// Peer exchange answer: the secure peers the sender is connected to. Body: u16 count, then per peer
/// u8 ID length + ID (ASCII base32), u8 address length + "host:port" (ASCII), i64 last seen (Unix ms).
/// Entries that do not parse are skipped; the addresses are only candidates until a handshake proves them.
/// </summary>
internal sealed record PeerListMessage(IReadOnlyList<PeerListMessage.Entry> Peers)
{
    public sealed record Entry(PeerId Id, PeerKey Address, DateTimeOffset LastSeen);

    public const int MaxEntries = 256;

    public void Encode(IBufferWriter<byte> output)
    {
        var entries = Peers.Take(MaxEntries)
            .Select(p => (Id: Encoding.ASCII.GetBytes(p.Id.Value), Address: Encoding.ASCII.GetBytes(p.Address.ToString()), p.LastSeen))
            .Where(e => e.Address.Length <= 255)
            .ToList();
        var length = 2 + entries.Sum(e => 1 + e.Id.Length + 1 + e.Address.Length + 8);
        FrameCodec.Write(output, FrameType.Peers, entries, length, static (span, list) =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)list.Count);
            var at = 2;
            foreach (var (id, address, lastSeen) in list)
            {
                span[at++] = (byte)id.Length;
                id.CopyTo(span[at..]);
                at += id.Length;
                span[at++] = (byte)address.Length;
                address.CopyTo(span[at..]);
                at += address.Length;
                BinaryPrimitives.WriteInt64BigEndian(span[at..], lastSeen.ToUnixTimeMilliseconds());
                at += 8;
            }
        });
    }

    public static PeerListMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length > 64 * 1024)
            throw new FrameFormatException("PEERS frame too large");
        var bytes = body.ToArray();
        if (bytes.Length < 2)
            throw new FrameFormatException("PEERS frame too short");
        var count = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        if (count > MaxEntries)
            throw new FrameFormatException($"PEERS lists {count} peers, over the limit of {MaxEntries}");
        var entries = new List<Entry>(count);
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            var id = ReadString(bytes, ref at);
            var address = ReadString(bytes, ref at);
            if (at + 8 > bytes.Length)
                throw new FrameFormatException("PEERS entry runs past the end of the frame");
            var lastSeen = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at));
            at += 8;
            if (PeerId.TryParse(id, out var peerId) && PeerKey.TryParse(address, out var key, out _)
                && lastSeen >= 0 && lastSeen <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
                entries.Add(new Entry(peerId, key, DateTimeOffset.FromUnixTimeMilliseconds(lastSeen)));
        }
        return new PeerListMessage(entries);
    }

    private static string ReadString(byte[] bytes, ref int at)
    {
        if (at >= bytes.Length || at + 1 + bytes[at] > bytes.Length)
            throw new FrameFormatException("PEERS entry runs past the end of the frame");
        var value = Encoding.ASCII.GetString(bytes, at + 1, bytes[at]);
        at += 1 + bytes[at];
        return value;
    }
}
