using System.Text;
using CryptoSphere.Core.Files;

namespace CryptoSphere.Tests.Files;

public sealed class SafeFileNameTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("Ünïcödé 文件.txt", "Ünïcödé 文件.txt")]
    [InlineData("../../x", "x")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("C:\\Windows\\System32\\evil.dll", "evil.dll")]
    [InlineData("C:evil.txt", "C_evil.txt")]
    [InlineData("dir/", "file")]
    [InlineData("..", "file")]
    [InlineData(".", "file")]
    [InlineData("...", "file")]
    [InlineData("", "file")]
    [InlineData("   ", "file")]
    [InlineData(".bashrc", "bashrc")]
    [InlineData("trailing. . ", "trailing")]
    [InlineData("con", "_con")]
    [InlineData("CON", "_CON")]
    [InlineData("nul.tar.gz", "_nul.tar.gz")]
    [InlineData("Com1", "_Com1")]
    [InlineData("lpt9.txt", "_lpt9.txt")]
    [InlineData("COM¹", "_COM¹")]
    [InlineData("conin$", "_conin$")]
    [InlineData("console.txt", "console.txt")]
    [InlineData("a\u0000b", "a_b")]
    [InlineData("tab\there", "tab_here")]
    [InlineData("esc\u001b[2Jclear", "esc_[2Jclear")]
    [InlineData("del\u007f", "del_")]
    [InlineData("c1\u0085x", "c1_x")]
    [InlineData("line\u2028break", "line_break")]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("zero\u200Bwidth", "zerowidth")]
    [InlineData("what?<>|*\".txt", "what______.txt")]
    public void Sanitize_makes_one_safe_path_component(string untrusted, string expected)
    {
        Assert.Equal(expected, SafeFileName.Sanitize(untrusted));
    }

    [Fact]
    public void A_long_name_is_cut_on_a_character_boundary_and_keeps_its_extension()
    {
        var name = string.Concat(Enumerable.Repeat("é", 300)) + ".tar.gz";

        var safe = SafeFileName.Sanitize(name);

        Assert.True(Encoding.UTF8.GetByteCount(safe) <= SafeFileName.MaxBytes);
        Assert.EndsWith("é.gz", safe);
        Assert.DoesNotContain('\uFFFD', safe);
    }

    [Fact]
    public void Emoji_are_never_split()
    {
        var safe = SafeFileName.Sanitize(string.Concat(Enumerable.Repeat("😀", 120)));

        Assert.True(Encoding.UTF8.GetByteCount(safe) <= SafeFileName.MaxBytes);
        Assert.Equal(0, safe.Length % 2);
        Assert.True(char.IsSurrogatePair(safe[^2], safe[^1]));
    }

    [Fact]
    public void Every_result_is_a_direct_child_of_the_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "downloads");
        foreach (var hostile in new[] { "../../x", "/abs", "..\\..", "a/../../b", "\0", "....//....//etc", "~/.ssh/id_rsa" })
        {
            var safe = SafeFileName.Sanitize(hostile);
            Assert.Equal(folder, Path.GetDirectoryName(Path.GetFullPath(Path.Combine(folder, safe))));
        }
    }
}
