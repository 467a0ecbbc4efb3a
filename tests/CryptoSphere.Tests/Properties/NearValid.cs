using System.Buffers;
using FsCheck;
using FsCheck.Fluent;

namespace CryptoSphere.Tests.Properties;

/// <summary>
/// Generators of input that is valid or nearly so: random bytes rarely get past a parser's first check,
/// so the properties build real frames and messages and then damage them the way a buggy or hostile
/// peer would (a flipped bit, a cut, an insertion, a wrong length).
/// </summary>
internal static class NearValid
{
    /// <summary>Pieces that mean something to the legacy parser, mixed with arbitrary text.</summary>
    private static readonly string[] LegacyPieces =
        ["<end>", "\n", "\r\n", "\r", " ", "\t", "\n<end>", "<end>\n", "<", ">", "> @ <", "> DISCONNECT", ":", "é", "😀", "\0"];

    public static Gen<string> AnyText { get; } = ArbMap.Default.GeneratorFor<string>().Select(s => WithoutLoneSurrogates(s ?? ""));

    /// <summary>Text made of legacy markers and arbitrary runs, so trailing whitespace and "&lt;end&gt;" are common.</summary>
    public static Gen<string> LegacyText { get; } =
        Gen.Frequency((3, Gen.Elements(LegacyPieces)), (1, AnyText)).ListOf().Select(parts => string.Concat(parts));

    /// <summary>Whitespace a sender may put after the end marker.</summary>
    public static Gen<string> TrailingWhitespace { get; } =
        Gen.Elements("\r", "\n", " ", "\t").ListOf().Select(parts => string.Concat(parts));

    public static Gen<byte[]> Bytes(int max) =>
        Gen.Choose(0, max).SelectMany(n => ArbMap.Default.GeneratorFor<byte>().ArrayOf(n));

    /// <summary>One way of damaging a byte string; applied to a valid encoding it gives near-valid input.</summary>
    public static Gen<Func<byte[], byte[]>> Mutation { get; } = Gen.OneOf(
        Gen.Choose(0, int.MaxValue).Zip(Gen.Choose(0, 7)).Select(p => (Func<byte[], byte[]>)(b => FlipBit(b, p.Item1, p.Item2))),
        Gen.Choose(0, int.MaxValue).Select(i => (Func<byte[], byte[]>)(b => b.Length == 0 ? b : b[..(i % b.Length)])),
        Gen.Choose(0, int.MaxValue).Zip(ArbMap.Default.GeneratorFor<byte>()).Select(p => (Func<byte[], byte[]>)(b => Insert(b, p.Item1, p.Item2))),
        Gen.Choose(0, int.MaxValue).Select(i => (Func<byte[], byte[]>)(b => b.Length == 0 ? b : [.. b[..(i % b.Length)], .. b[(i % b.Length + 1)..]])),
        Gen.Choose(0, int.MaxValue).Zip(Gen.Elements<byte>(0x00, 0x7F, 0x80, 0xC0, 0xFF)).Select(p => (Func<byte[], byte[]>)(b => Set(b, p.Item1, p.Item2))),
        Bytes(16).Select(extra => (Func<byte[], byte[]>)(b => [.. b, .. extra])));

    /// <summary>A valid encoding, then 0 to 3 mutations.</summary>
    public static Gen<byte[]> Damaged(Gen<byte[]> valid) =>
        valid.SelectMany(bytes => Gen.Choose(0, 3).SelectMany(n => Mutation.ListOf(n)), (bytes, mutations) =>
            mutations.Aggregate(bytes, (b, m) => m(b)));

    public static byte[] Encode(Action<IBufferWriter<byte>> encode)
    {
        var writer = new ArrayBufferWriter<byte>();
        encode(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] FlipBit(byte[] b, int at, int bit)
    {
        if (b.Length == 0)
            return b;
        var copy = (byte[])b.Clone();
        copy[at % copy.Length] ^= (byte)(1 << bit);
        return copy;
    }

    private static byte[] Set(byte[] b, int at, byte value)
    {
        if (b.Length == 0)
            return b;
        var copy = (byte[])b.Clone();
        copy[at % copy.Length] = value;
        return copy;
    }

    private static byte[] Insert(byte[] b, int at, byte value)
    {
        var i = at % (b.Length + 1);
        return [.. b[..i], value, .. b[i..]];
    }

    /// <summary>Strings from the generator may hold half surrogate pairs, which no UTF-8 peer can send.</summary>
    public static string WithoutLoneSurrogates(string text) =>
        new(text.Where((c, i) => !char.IsSurrogate(c) || (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                                                       || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))).ToArray());
}
