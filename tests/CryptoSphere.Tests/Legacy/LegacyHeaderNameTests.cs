using System.Text;
using CryptoSphere.Core.Legacy;

namespace CryptoSphere.Tests.Legacy;

/// <summary>
/// The legacy encoder never lets this node's name end the header early, whatever name reaches it (the command line
/// refuses such names; another caller might not): a newline or '&gt;' in it made the old peer read a forged text.
/// </summary>
public sealed class LegacyHeaderNameTests
{
    [Theory]
    [InlineData("Evil>\nINJECTED\n<end>")]
    [InlineData("a\r\nb")]
    [InlineData("x> @ <y")]
    public void A_name_with_newlines_or_brackets_stays_inside_one_header_line(string name)
    {
        var bytes = LegacyCodec.EncodeChat("10.0.0.1", 5000, name, "body");

        var raw = Encoding.UTF8.GetString(bytes);
        var header = raw[..raw.IndexOf('\n')];
        Assert.StartsWith("<10.0.0.1:5000> @ <", header);
        Assert.Equal(2, header.Count(c => c == '>')); // the address's and the name's own closing bracket, nothing else
        Assert.EndsWith("\nbody\n<end>", raw);
        var chat = Assert.IsType<LegacyChat>(LegacyCodec.Decode(bytes).Message);
        Assert.Equal("body", chat.Text);
    }

    [Fact]
    public void An_ordinary_name_is_written_exactly() =>
        Assert.Equal("<10.0.0.1:5000> @ <Team Rocket (lab 3)>\nhi\n<end>",
            Encoding.UTF8.GetString(LegacyCodec.EncodeChat("10.0.0.1", 5000, "Team Rocket (lab 3)", "hi")));
}
