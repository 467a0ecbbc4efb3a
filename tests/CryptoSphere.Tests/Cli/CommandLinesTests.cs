using CryptoSphere.Cli.Commands;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>listen --commands</c> reads its lines as spans of one buffer (<see cref="CommandLines"/>): the lines must be
/// exactly those <see cref="TextReader.ReadLine"/> gives, however the input arrives in pieces.
/// </summary>
public sealed class CommandLinesTests
{
    [Theory]
    [InlineData("send a b\nsend c d\n")]
    [InlineData("windows\r\nline\r\n")]
    [InlineData("old mac\rline\r")]
    [InlineData("no end at the end")]
    [InlineData("\n\n\r\n\r\rtwo blank and more\n")]
    [InlineData("")]
    [InlineData("\r")]
    [InlineData("a\r\r\nb")]
    public async Task Lines_are_those_ReadLine_gives_whatever_the_pieces(string input)
    {
        for (var piece = 1; piece <= 8; piece++)
            Assert.Equal(ReadLines(input), await CommandLinesOf(input, piece));
    }

    [Fact]
    public async Task Random_inputs_with_every_kind_of_line_end_read_as_ReadLine_reads_them()
    {
        var random = new Random(14);
        var ends = new[] { "\n", "\r\n", "\r" };
        for (var run = 0; run < 200; run++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ =>
                new string('x', random.Next(0, 9)) + (random.Next(5) == 0 ? " y" : "") + ends[random.Next(ends.Length)]));
            if (random.Next(2) == 0)
                text += "tail";
            Assert.Equal(ReadLines(text), await CommandLinesOf(text, random.Next(1, 6)));
        }
    }

    [Fact]
    public async Task A_line_longer_than_the_buffer_comes_whole()
    {
        // The buffer holds 64 Ki characters: this line makes it grow twice.
        var longLine = "send 127.0.0.1:4000 " + new string('z', 200_000);
        var input = $"first\r\n{longLine}\r\nlast";

        Assert.Equal(["first", longLine, "last"], await CommandLinesOf(input, 7000));
    }

    private static List<string> ReadLines(string input)
    {
        var lines = new List<string>();
        using var reader = new StringReader(input);
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        return lines;
    }

    private static async Task<List<string>> CommandLinesOf(string input, int piece)
    {
        var lines = new List<string>();
        var reader = new CommandLines(new PieceReader(input, piece));
        while (await reader.MoveNextAsync(default))
            lines.Add(reader.Current.ToString());
        return lines;
    }

    /// <summary>Hands out at most <paramref name="piece"/> characters per read, as a pipe does under load.</summary>
    private sealed class PieceReader(string text, int piece) : TextReader
    {
        private int _at;

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
        {
            var count = Math.Min(Math.Min(piece, buffer.Length), text.Length - _at);
            text.AsSpan(_at, count).CopyTo(buffer.Span);
            _at += count;
            return ValueTask.FromResult(count);
        }
    }
}
