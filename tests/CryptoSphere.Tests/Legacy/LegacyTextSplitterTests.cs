using System.Text;
using CryptoSphere.Core.Legacy;

namespace CryptoSphere.Tests.Legacy;

public class LegacyTextSplitterTests
{
    [Fact]
    public void AShortText_IsOnePart()
    {
        Assert.Equal(["hello"], LegacyTextSplitter.Split("hello", 100));
    }

    [Fact]
    public void Lines_AreKeptWhole_WhenEachFits()
    {
        var lines = Enumerable.Range(0, 30).Select(i => $"line {i:00} " + new string('x', 40)).ToArray();
        var text = string.Join('\n', lines);

        var parts = LegacyTextSplitter.Split(text, 200);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 200));
        // Every cut fell between lines: joining the parts with newlines gives the text back.
        Assert.Equal(text, string.Join('\n', parts));
        Assert.All(parts, p => Assert.StartsWith("line ", p));
    }

    [Fact]
    public void ALineLongerThanTheBudget_IsCutBetweenWholeCharacters()
    {
        // 3-byte and 4-byte (surrogate pair) characters: a cut inside either would be invalid UTF-8.
        var text = string.Concat(Enumerable.Repeat("\u20AC\U0001F600a", 100));

        var parts = LegacyTextSplitter.Split(text, 64);

        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 64));
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1]), "a part ends inside a surrogate pair"));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void EveryEncodedPart_FitsTheOriginalsSingleRead()
    {
        var text = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"{i}: " + new string('y', i * 7 % 300)));
        var budget = LegacyTextSplitter.TextBudget("192.168.100.200", 65000, "a rather long team name");

        var parts = LegacyTextSplitter.Split(text, budget);

        Assert.All(parts, p => Assert.True(
            LegacyCodec.EncodeChat("192.168.100.200", 65000, "a rather long team name", p).Length <= LegacyTextSplitter.OriginalReadSize));
    }

    // Exact cut points: every boundary (a budget below one byte, a text or lines exactly at the budget, a
    // character wider than the budget, newlines at the edges) decides what the original receives.
    public static TheoryData<string, int, string[]> ExactCuts => new()
    {
        // A budget below one byte cannot be met: the text goes whole rather than as an endless series of empty messages.
        { "abc", 0, ["abc"] },
        { "ab", 1, ["a", "b"] },
        // A text exactly at the budget is not cut, and keeps its trailing newline.
        { "abcd\n", 5, ["abcd\n"] },
        // Lines that fill the budget exactly stay in one message.
        { "ab\ncd\nef", 6, ["ab\ncd", "ef"] },
        // An empty line at a cut would be an empty message; the message boundary stands for it.
        { "abc\n\nwxyz", 4, ["abc", "wxyz"] },
        // A leading newline is a line of its own, not the start of one long line cut by characters.
        { "\nabc\ndef", 4, ["abc", "def"] },
        { "abcdefg", 3, ["abc", "def", "g"] },
        // A character wider than the budget still goes, whole and alone, and no empty part comes before it.
        { "\u20AC\u20AC", 2, ["\u20AC", "\u20AC"] },
        // A long line's newline ends its last piece, not a message of its own.
        { "abcdefg\nh", 3, ["abc", "def", "g", "h"] },
        { "abc\nd", 3, ["abc", "d"] },
    };

    [Theory]
    [MemberData(nameof(ExactCuts))]
    public void The_text_is_cut_exactly_here(string text, int budget, string[] expected)
    {
        Assert.Equal(expected, LegacyTextSplitter.Split(text, budget));
    }

    [Fact]
    public void A_text_of_exactly_the_budget_fills_the_originals_read_to_the_last_byte()
    {
        var budget = LegacyTextSplitter.TextBudget("10.0.0.1", 5000, "team");

        var encoded = LegacyCodec.EncodeChat("10.0.0.1", 5000, "team", new string('x', budget));

        // "<10.0.0.1:5000> @ <team>\n" and "\n<end>" take 31 bytes of the 1,024.
        Assert.Equal(1024 - 31, budget);
        Assert.Equal(LegacyTextSplitter.OriginalReadSize, encoded.Length);
    }
}
