using System.Text;
using CryptoSphere.Cli.Rendering;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>listen</c>'s output buffer: lines kept in order until a flush (or a full buffer), event JSON taken as UTF-8, and
/// a hidden character in it escaped as on every other path to a terminal.
/// </summary>
public sealed class OutputLinesTests
{
    [Fact]
    public void Text_and_JSON_lines_come_out_in_order_at_the_flush_and_not_before()
    {
        using var stream = new MemoryStream();
        var lines = new OutputLines(stream);

        lines.WriteLine("Listening on 127.0.0.1:5000");
        lines.WriteJsonLine("""{"type":"message_delivered"}"""u8);
        lines.WriteLine("déjà vu");

        Assert.Equal(0, stream.Length);
        lines.Flush();
        Assert.Equal("Listening on 127.0.0.1:5000\n{\"type\":\"message_delivered\"}\ndéjà vu\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void A_hidden_character_in_JSON_is_escaped_and_a_visible_one_kept()
    {
        using var stream = new MemoryStream();
        var lines = new OutputLines(stream);

        lines.WriteJsonLine(Encoding.UTF8.GetBytes("{\"text\":\"abc\u202Edef\"}"));
        lines.WriteJsonLine(Encoding.UTF8.GetBytes("{\"text\":\"café\"}"));
        lines.Flush();

        Assert.Equal("{\"text\":\"abc\\u202Edef\"}\n{\"text\":\"café\"}\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void A_long_burst_is_written_out_before_the_flush()
    {
        using var stream = new MemoryStream();
        var lines = new OutputLines(stream);
        var line = new string('x', 1000);

        for (var i = 0; i < 100; i++)
            lines.WriteLine(line);

        Assert.InRange(stream.Length, 64 * 1024, 100 * 1001);
        lines.Flush();
        Assert.Equal(100 * 1001, stream.Length);
    }
}
