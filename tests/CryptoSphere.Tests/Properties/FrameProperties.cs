using System.Buffers;
using System.Buffers.Binary;
using CryptoSphere.Core.Secure;
using CryptoSphere.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Properties;

/// <summary>The frame reader on streams of real frames, cut anywhere and damaged.</summary>
public sealed class FrameProperties
{
    private const int Runs = 1000;
    private const int Max = 256;

    private static readonly Gen<(byte Type, byte[] Body)> Frame =
        from type in ArbMap.Default.GeneratorFor<byte>() from body in NearValid.Bytes(64) select (type, body);

    private static byte[] Encode((byte Type, byte[] Body) frame)
    {
        var bytes = new byte[FrameCodec.HeaderSize + 1 + frame.Body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(1 + frame.Body.Length));
        bytes[FrameCodec.HeaderSize] = frame.Type;
        frame.Body.CopyTo(bytes, FrameCodec.HeaderSize + 1);
        return bytes;
    }

    /// <summary>Cuts the stream into pieces as the network delivers it (a pipe hands out such sequences).</summary>
    private static Gen<ReadOnlySequence<byte>> Pieces(byte[] data) =>
        Gen.Choose(0, data.Length).ListOf().Select(cuts => Segments.Split(data, [.. cuts.Distinct().Order()]));

    private static List<(byte Type, byte[] Body)> ReadAll(ref ReadOnlySequence<byte> buffer)
    {
        var frames = new List<(byte, byte[])>();
        while (FrameCodec.TryRead(ref buffer, Max, out var type, out var body))
            frames.Add(((byte)type, body.ToArray()));
        return frames;
    }

    [Property(MaxTest = Runs)]
    public Property Frames_cut_anywhere_come_out_whole_in_order_and_the_partial_one_stays()
    {
        var input =
            from frames in Frame.ListOf()
            from next in Frame
            from partial in Gen.Choose(0, Encode(next).Length - 1)
            let data = frames.SelectMany(Encode).Concat(Encode(next).Take(partial)).ToArray()
            from sequence in Pieces(data)
            select (Frames: frames.ToList(), Tail: Encode(next)[..partial], Sequence: sequence);
        return Prop.ForAll(input.ToArbitrary(), x =>
        {
            var buffer = x.Sequence;
            var read = ReadAll(ref buffer);
            return read.Count == x.Frames.Count
                   && read.Zip(x.Frames).All(p => p.First.Type == p.Second.Type && p.First.Body.SequenceEqual(p.Second.Body))
                   && buffer.ToArray().SequenceEqual(x.Tail);
        });
    }

    /// <summary>
    /// Damaged streams: every frame taken is exactly the bytes it was read from (nothing skipped, nothing
    /// invented), and a refusal is for an empty or oversized length at the point reached.
    /// </summary>
    [Property(MaxTest = Runs)]
    public Property A_damaged_stream_yields_only_frames_it_holds_then_stops_or_refuses()
    {
        var valid = Frame.ListOf().Select(frames => frames.SelectMany(Encode).ToArray());
        return Prop.ForAll(NearValid.Damaged(valid).ToArbitrary(), data =>
        {
            var buffer = new ReadOnlySequence<byte>(data);
            var frames = new List<(byte Type, byte[] Body)>();
            FrameFormatException? refused = null;
            try
            {
                while (FrameCodec.TryRead(ref buffer, Max, out var type, out var body))
                    frames.Add(((byte)type, body.ToArray()));
            }
            catch (FrameFormatException e)
            {
                refused = e;
            }
            var consumed = data.Length - (int)buffer.Length;
            var rebuilt = frames.SelectMany(Encode).ToArray();
            var rest = data[consumed..];
            var length = rest.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(rest) : (uint?)null;
            var stoppedRightly = refused is null
                ? length is null || (length is > 0 and <= Max && rest.Length < 4 + length)
                : length is 0 or > Max;
            return (rebuilt.SequenceEqual(data[..consumed]) && stoppedRightly)
                .Classify(refused is not null, "refused")
                .Classify(frames.Count > 0, "some frames read");
        });
    }
}
