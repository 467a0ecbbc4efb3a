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
}
