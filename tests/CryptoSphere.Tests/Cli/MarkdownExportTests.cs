using System.Text.RegularExpressions;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// <c>export --format markdown</c> of a hostile old peer's message: its name is HTML and its text a Markdown link and a
/// script. Written raw, any Markdown viewer rendered them live, in the "##" heading too. Every line from the store is
/// now in code spans, the one Markdown construct whose content is never interpreted: no HTML, links or emphasis.
/// </summary>
public sealed class MarkdownExportTests : IDisposable
{
    private const string HostileName = "<img src=x onerror=alert(1)>";
    private const string HostileText = "[Verify your ID here](http://evil.example/phish) <script>alert(1)</script> *bold* `tick`\nsecond | line ``` ##";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_hostile_name_and_text_are_exported_inside_code_spans_only()
    {
        await using (var node = await StoredNode.StartAsync("me", _data.Path))
        {
            await RawLegacyPeer.SendAsync(node.Port, $"<127.0.0.1:{TestNodes.DeadPort()}> @ <{HostileName}>\n{HostileText}\n<end>");
            await node.Events.WaitFor<MessageReceived>();
        }
        var file = _data.Combine("export.md");

        var (code, _, stderr) = await CliProcess.RunAsync("export", "--format", "markdown", "--out", file, "--data-dir", _data.Path);

        Assert.True(code == 0, stderr);
        var lines = (await File.ReadAllTextAsync(file)).Split('\n');
        Assert.Equal("# CryptoSphere history", lines[0]);
        var shown = new List<string>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var prefix = Regex.Match(line, "^(## |- |  )").Value;
            Assert.True(prefix.Length > 0, $"a line that is not a heading or a list item: {line}");
            shown.Add(CodeSpansOnly(line[prefix.Length..], line));
        }
        var all = string.Join("\n", shown);
        // The text is all there, as text: what a viewer shows.
        Assert.Contains($"{HostileName} (legacy:127.0.0.1:", shown[0]);
        Assert.Contains($"[unencrypted, unverified] {HostileName} (127.0.0.1:", all);
        Assert.Contains("[Verify your ID here](http://evil.example/phish) <script>alert(1)</script> *bold* `tick`", all);
        Assert.Contains(TerminalText.Continuation + "second | line ``` ##", all);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("a`b``c")]
    [InlineData("`starts and ends`")]
    [InlineData("  | indented")]
    public void A_code_span_gives_back_exactly_its_text(string text) =>
        Assert.Equal(text, CodeSpansOnly(MarkdownText.Code(text), text));

    /// <summary>
    /// The text of a line made of code spans only (CommonMark 6.1: a run of N backticks up to the next run of exactly N,
    /// one space stripped from each end when both have one), allowing a trailing backslash (a hard line break). Fails when
    /// any character is outside a code span, where a viewer would interpret it.
    /// </summary>
    private static string CodeSpansOnly(string rest, string line)
    {
        var text = "";
        if (rest.EndsWith('\\'))
            rest = rest[..^1];
        while (rest.Length > 0)
        {
            var open = Regex.Match(rest, "^`+");
            Assert.True(open.Success, $"text outside a code span: '{rest}' in {line}");
            var close = Regex.Match(rest[open.Length..], $"(?<!`){open.Value}(?!`)");
            Assert.True(close.Success, $"an unclosed code span in {line}");
            var content = rest.Substring(open.Length, close.Index);
            if (content.Length > 2 && content[0] == ' ' && content[^1] == ' ' && content.Trim().Length > 0)
                content = content[1..^1];
            text += content;
            rest = rest[(open.Length + close.Index + close.Length)..].TrimStart(' ');
        }
        return text;
    }
}
