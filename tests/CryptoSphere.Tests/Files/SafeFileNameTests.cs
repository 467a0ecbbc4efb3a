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

    public static TheoryData<string> ReservedDevices() => new()
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    [Theory]
    [MemberData(nameof(ReservedDevices))]
    public void Every_windows_device_name_is_prefixed_in_any_case_and_with_any_extension(string device)
    {
        Assert.Equal("_" + device, SafeFileName.Sanitize(device));
        Assert.Equal("_" + device.ToLowerInvariant() + ".txt", SafeFileName.Sanitize(device.ToLowerInvariant() + ".txt"));
        Assert.Equal("_" + device + " .log", SafeFileName.Sanitize(device + " .log"));
        Assert.Equal(device + "X.txt", SafeFileName.Sanitize(device + "X.txt"));
    }

    [Theory]
    [InlineData(null, "file")]
    [InlineData("/x", "x")]
    [InlineData("\\server\\share\\x.txt", "x.txt")]
    [InlineData("a/b\\c", "c")]
    [InlineData("para\u2029graph", "para_graph")]
    [InlineData(" .hidden", "hidden")]
    [InlineData("  spaced  name  ", "spaced  name")]
    [InlineData("..a..", "a")]
    [InlineData("a. .b", "a. .b")]
    [InlineData("\u200B.secret", "secret")]
    [InlineData("\u0001", "_")]
    public void Sanitize_handles_the_edges_of_each_rule(string? untrusted, string expected)
    {
        Assert.Equal(expected, SafeFileName.Sanitize(untrusted));
    }

    [Fact]
    public void A_name_of_exactly_the_limit_is_kept_and_one_byte_more_is_cut_to_the_limit()
    {
        var limit = new string('a', SafeFileName.MaxBytes);

        Assert.Equal(limit, SafeFileName.Sanitize(limit));
        Assert.Equal(limit, SafeFileName.Sanitize(limit + "b"));
        Assert.Equal(limit, SafeFileName.Sanitize(new string('a', 300)));
    }

    [Fact]
    public void An_extension_of_up_to_sixteen_characters_survives_the_cut_and_a_longer_one_does_not()
    {
        var stem = new string('a', 300);
        var kept = "." + new string('e', 15);
        var tooLong = "." + new string('e', 16);

        Assert.Equal(new string('a', SafeFileName.MaxBytes - kept.Length) + kept, SafeFileName.Sanitize(stem + kept));
        Assert.Equal(new string('a', SafeFileName.MaxBytes), SafeFileName.Sanitize(stem + tooLong));
    }

    [Fact]
    public void A_cut_that_would_split_a_surrogate_pair_drops_the_whole_character()
    {
        // "a" and 49 emoji are 197 bytes; a lone high surrogate would count 3 more and still fit.
        var safe = SafeFileName.Sanitize("a" + string.Concat(Enumerable.Repeat("😀", 60)));

        Assert.Equal("a" + string.Concat(Enumerable.Repeat("😀", 49)), safe);
    }

    [Fact]
    public void A_cut_that_ends_in_spaces_or_dots_drops_them()
    {
        var safe = SafeFileName.Sanitize(new string('a', 194) + " . " + new string('b', 50) + ".txt");

        Assert.Equal(new string('a', 194) + ".txt", safe);
    }
}
