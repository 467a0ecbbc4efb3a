using System.Buffers;

namespace CryptoSphere.Tests.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a pipe hands them out.</summary>
public static class Segments
{
    /// <summary>Cuts <paramref name="data"/> at the given offsets (ascending); empty pieces are kept.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var pieces = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(data[start..cut]);
            start = cut;
        }
        pieces.Add(data[start..]);
        return FromPieces(pieces);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> BytePerSegment(byte[] data) =>
        data.Length == 0 ? ReadOnlySequence<byte>.Empty : FromPieces(data.Select(b => new[] { b }).ToList());

    public static ReadOnlySequence<byte> FromPieces(IReadOnlyList<byte[]> pieces)
    {
        var first = new Segment(pieces[0], 0);
        var last = first;
        foreach (var piece in pieces.Skip(1))
            last = last.Append(piece);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
