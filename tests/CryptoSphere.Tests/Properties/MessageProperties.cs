using System.Buffers;
using System.Text;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Properties;

/// <summary>
/// Every secure message: generated messages round trip, and damaged encodings are either refused with
/// <see cref="FrameFormatException"/> or read as a message that itself round trips (decode is canonical).
/// </summary>
public sealed class MessageProperties
{
    private const int Runs = 500;

    private static readonly Gen<Guid> Ids = ArbMap.Default.GeneratorFor<Guid>();
    private static readonly Gen<DateTimeOffset> Times =
        Gen.Choose(0, int.MaxValue).Select(s => DateTimeOffset.FromUnixTimeMilliseconds(s * 1000L + s % 1000));
    private static readonly Gen<long> Counts = ArbMap.Default.GeneratorFor<long>().Select(l => Math.Abs(l % (1L << 50)));

    /// <summary>A message type: valid frames of it, and its decoder followed by its encoder.</summary>
    private sealed record Codec(string Name, Gen<byte[]> Valid, Func<ReadOnlySequence<byte>, byte[]> Reencode)
    {
        public override string ToString() => Name;
    }

    private static Codec Of<T>(string name, Gen<T> messages, Func<ReadOnlySequence<byte>, T> decode, Action<T, IBufferWriter<byte>> encode) =>
        new(name, messages.Select(m => NearValid.Encode(w => encode(m, w))), body => NearValid.Encode(w => encode(decode(body), w)));

    private static readonly Codec[] Codecs =
    [
        Of("CHAT", from id in Ids from at in Times from text in NearValid.AnyText select new ChatMessage(id, at, text),
            ChatMessage.Decode, (m, w) => m.Encode(w)),
        Of("GROUP_MESSAGE", from g in Ids from id in Ids from l in Counts from at in Times from text in NearValid.AnyText
                select new GroupChatMessage(g, id, l, at, text),
            GroupChatMessage.Decode, (m, w) => m.Encode(w)),
        Of("HELLO", from v in Gen.Choose(0, 65535) from p in Gen.Choose(0, 65535) from c in Gen.Choose(0, int.MaxValue) from n in NearValid.AnyText
                select new HelloMessage((ushort)v, (ushort)p, (uint)c, n),
            HelloMessage.Decode, (m, w) => m.Encode(w)),
        Of("ACK", Ids.Select(id => new AckMessage(id)), AckMessage.Decode, (m, w) => m.Encode(w)),
        Of("GROUP_REFUSED", from id in Ids from v in Counts from r in Gen.Choose(0, 65535) select new GroupRefusedMessage(id, v, (GroupRefusal)r),
            GroupRefusedMessage.Decode, (m, w) => m.Encode(w)),
        Of("PING", ArbMap.Default.GeneratorFor<ulong>().Select(t => new PingMessage(t)), PingMessage.Decode, (m, w) => m.Encode(w, FrameType.Ping)),
        Of("ERROR", from c in Gen.Elements(ErrorCode.UnsupportedVersion, ErrorCode.Refused, ErrorCode.ProtocolError)
                from r in NearValid.AnyText.Select(s => new string(s.Where(char.IsAscii).ToArray())) select new ErrorMessage(c, r),
            ErrorMessage.Decode, (m, w) => m.Encode(w)),
        Of("FILE_OFFER", from id in Ids from size in Counts from hash in NearValid.Bytes(32).Where(h => h.Length == 32).Or(Gen.Constant(new byte[32]))
                from name in NearValid.AnyText select new FileOfferMessage(id, size, hash, name),
            FileOfferMessage.Decode, (m, w) => m.Encode(w)),
        Of("FILE_ACCEPT", from id in Ids from o in Counts select new FileAcceptMessage(id, o), FileAcceptMessage.Decode, (m, w) => m.Encode(w)),
        Of("FILE_ACK", from id in Ids from o in Counts select new FileAckMessage(id, o), FileAckMessage.Decode, (m, w) => m.Encode(w)),
        Of("FILE_DONE", from id in Ids from o in Counts select new FileDoneMessage(id, o), FileDoneMessage.Decode, (m, w) => m.Encode(w)),
        Of("FILE_CANCEL", from id in Ids from r in NearValid.AnyText select new FileCancelMessage(id, r), FileCancelMessage.Decode, (m, w) => m.Encode(w)),
    ];

    private static ReadOnlySequence<byte> BodyOf(byte[] frame) => new(frame.AsMemory(FrameCodec.HeaderSize + 1));

    [Property(MaxTest = Runs)]
    public Property Every_message_reads_back_as_it_was_written() =>
        Prop.ForAll(Gen.Elements(Codecs).SelectMany(c => c.Valid, (c, frame) => (Codec: c, Frame: frame)).ToArbitrary(), x =>
            x.Codec.Reencode(BodyOf(x.Frame)).SequenceEqual(x.Frame).Label(x.Codec.Name));

    [Property(MaxTest = Runs * 4)]
    public Property A_damaged_body_is_refused_or_read_canonically() =>
        Prop.ForAll(Gen.Elements(Codecs).SelectMany(c => NearValid.Damaged(c.Valid.Select(f => f[(FrameCodec.HeaderSize + 1)..])),
            (c, body) => (Codec: c, Body: body)).ToArbitrary(), x =>
        {
            byte[] once;
            try
            {
                once = x.Codec.Reencode(new ReadOnlySequence<byte>(x.Body));
            }
            catch (FrameFormatException)
            {
                return true.Classify(true, "refused");
            }
            // What was accepted is written as a frame; reading that frame gives the same bytes again.
            return x.Codec.Reencode(BodyOf(once)).SequenceEqual(once).Label(x.Codec.Name).Classify(true, "accepted");
        });

    [Fact]
    public void A_name_too_long_for_HELLO_is_cut_at_a_character_boundary_never_inside_one()
    {
        var name = string.Concat(Enumerable.Repeat("a😀", 100)); // 500 bytes of UTF-8, 4-byte characters among them

        var decoded = HelloMessage.Decode(BodyOf(NearValid.Encode(new HelloMessage(1, 2, 3, name).Encode)));

        Assert.StartsWith(decoded.Name, name, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(decoded.Name), HelloMessage.MaxNameBytes - 3, HelloMessage.MaxNameBytes);
    }
}
