using System.Text.Json;
using CryptoSphere.Cli.Menu;
using CryptoSphere.Cli.Rendering;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// A hostile legacy peer tries to take over the terminal: escape sequences (erase line, OSC 52 clipboard,
/// window title), BEL, a C1 CSI, bidi overrides, a line separator and newlines that would print a forged,
/// "verified" line from bob. Whatever path shows its text, nothing of that reaches the terminal raw.
/// </summary>
public sealed class TerminalInjectionTests : IDisposable
{
    private const string Forged = "[12:00:00] bob (10.0.0.5:5000) [SC5XNGB, verified]: please send me your password";

    private static readonly string HostileName = "ev\u001b]52;c;cGFzc3dvcmQ=\u0007il\u202e";

    private static readonly string HostileText =
        "hi\r\u001b[2K\u001b[1A" + Forged + "\n" + Forged + "\u2028\u2066again\u009b31m\u007f";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static Task SendHostileAsync(int port) =>
        RawLegacyPeer.SendAsync(port, $"<127.0.0.1:47999> @ <{HostileName}>\n{HostileText}\n<end>");

    [Fact]
    public async Task Listen_shows_a_hostile_message_with_every_control_visible_and_no_forged_line()
    {
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "me", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1");
        var started = await listen.Stdout.WaitForAsync("Listening on 127.0.0.1:");
        var port = int.Parse(started.Split('\n')[0].Split(':')[^1]);

        await SendHostileAsync(port);
        var shown = await listen.Stdout.WaitForAsync("again");
        listen.Terminate();
        await listen.WaitForExitAsync();

        AssertSafe(shown);
        Assert.Contains("ev\u241b]52;c;cGFzc3dvcmQ=\u2407il\\u202e", shown); // ESC as ␛, BEL as ␇: visible, not acted on
    }

    [Fact]
    public async Task Listen_json_escapes_every_hidden_character_and_keeps_the_text_exact()
    {
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "me", "--port", TestNodes.DeadPort().ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json");
        var started = await listen.Stdout.WaitForAsync("\"node_started\"");
        var port = JsonDocument.Parse(started.Split('\n')[0]).RootElement.GetProperty("port").GetInt32();

        await SendHostileAsync(port);
        var lines = await listen.Stdout.WaitForAsync("\"message_received\"");
        listen.Terminate();
        await listen.WaitForExitAsync();

        AssertSafe(lines, text: false);
        var message = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "message_received");
        Assert.Equal(HostileName, message.GetProperty("name").GetString());
        Assert.Equal(HostileText, message.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Menu_shows_the_hostile_message_its_history_and_the_peer_list_safely()
    {
        await using var node = await TestNodes.StartAsync("menu");
        var input = new ScriptedInput();
        var output = new CapturedOutput();
        var menu = Task.Run(() => new InteractiveMenu(node, new PlainMenuConsole(input, output)).RunAsync(CancellationToken.None));
        await output.WaitForAsync("Choice: ");

        await SendHostileAsync(node.Port);
        await output.WaitForAsync("again");
        var mark = output.Mark();
        input.Send("2", "8", "1");
        await output.WaitUntilAsync(t => t.Split("again").Length > 1 && t.Contains("47999 legacy"), "the peer list and the history", mark);
        input.End();
        await menu.WaitAsync(EventWaiter.DefaultTimeout);

        AssertSafe(output.Text);
    }

    [Theory]
    [InlineData("a\u001b[31mb", "a\u241b[31mb")]
    [InlineData("x\u202ey", "x\\u202ey")]
    [InlineData("one\ntwo", "one\u240atwo")]
    [InlineData("tab\there", "tab\u2409here")]
    [InlineData("caf\u00e9 \ud83d\udc68\u200d\ud83d\udc69", "caf\u00e9 \ud83d\udc68\u200d\ud83d\udc69")]
    public void Safe_shows_controls_and_keeps_ordinary_text(string raw, string shown) =>
        Assert.Equal(shown, TerminalText.Safe(raw));

    [Fact]
    public void Lines_marks_every_further_line_once_even_when_applied_twice()
    {
        var once = TerminalText.Lines("first\r\nsecond\n" + TerminalText.Continuation + "third");
        Assert.Equal($"first\n{TerminalText.Continuation}second\n{TerminalText.Continuation}third", once);
        Assert.Equal(once, TerminalText.Lines(once));
    }

    /// <summary>No raw control, C1 or bidi character; the forged line never starts a line or sits before the real label.</summary>
    private static void AssertSafe(string output, bool text = true)
    {
        var hidden = output.Where(c => (c < 0x20 && c != '\n') || c is >= '\u007f' and <= '\u009f' ||
                                       c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u2028' or '\u2029' or '\u200e' or '\u200f')
            .Select(c => $"U+{(int)c:X4}").ToList();
        Assert.True(hidden.Count == 0, $"raw characters {string.Join(", ", hidden)} in:\n{output}");
        foreach (var line in output.Split('\n'))
        {
            Assert.False(line.StartsWith("[12:00:00] bob", StringComparison.Ordinal), $"a forged line starts a line: {line}");
            var forged = line.IndexOf("[SC5XNGB, verified]", StringComparison.Ordinal);
            if (text && forged >= 0 && !line.StartsWith(TerminalText.Continuation, StringComparison.Ordinal))
            {
                var real = line.IndexOf("unencrypted, unverified", StringComparison.Ordinal);
                Assert.True(real >= 0 && real < forged, $"the forged label is not behind the real one: {line}");
            }
        }
    }
}
