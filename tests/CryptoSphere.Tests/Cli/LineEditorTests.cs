using System.Collections.Concurrent;
using CryptoSphere.Cli.Menu;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>The menu's line editor fed key by key, as a terminal delivers keys, alone and under the real menu.</summary>
public sealed class LineEditorTests
{
    private readonly BlockingCollection<ConsoleKeyInfo> _keys = new();
    private readonly CapturedOutput _screen = new();

    private LineEditor NewEditor() => new(() => _keys.TryTake(out var key, TimeSpan.FromSeconds(30)) ? key : null, _screen);

    private void Type(string text)
    {
        foreach (var c in text)
            _keys.Add(new ConsoleKeyInfo(c, c == '\n' ? ConsoleKey.Enter : char.IsAsciiLetter(c) ? ConsoleKey.A + (char.ToUpperInvariant(c) - 'A') : 0, false, false, false));
    }

    private void Press(ConsoleKey key) => _keys.Add(new ConsoleKeyInfo('\0', key, false, false, false));

    private void Control(char letter) =>
        _keys.Add(new ConsoleKeyInfo((char)(letter - 'a' + 1), ConsoleKey.A + (letter - 'a'), false, false, true));

    [Fact]
    public void Ctrl_U_clears_what_was_typed_so_99_then_2_is_2()
    {
        Type("99");
        Control('u');
        Type("2\n");
        Assert.Equal("2", NewEditor().ReadLine("Choice: "));
    }

    [Fact]
    public void Ctrl_W_deletes_the_word_before_the_cursor_and_arrows_move_within_the_line()
    {
        var editor = NewEditor();
        Type("hello world");
        Control('w');
        Type("there\n");
        Assert.Equal("hello there", editor.ReadLine("> "));

        Type("ac");
        Press(ConsoleKey.LeftArrow);
        Type("b");
        Press(ConsoleKey.Home);
        Type(">");
        Press(ConsoleKey.End);
        Press(ConsoleKey.Backspace);
        Type("C\n");
        Assert.Equal(">abC", editor.ReadLine("> "));
    }

    [Fact]
    public void Up_and_down_walk_the_history_and_come_back_to_the_draft()
    {
        var editor = NewEditor();
        Type("first\n");
        editor.ReadLine("> ");
        Type("second\n");
        editor.ReadLine("> ");

        Press(ConsoleKey.UpArrow);
        Press(ConsoleKey.UpArrow);
        Type("\n");
        Assert.Equal("first", editor.ReadLine("> "));

        Type("draft");
        Press(ConsoleKey.UpArrow);
        Press(ConsoleKey.DownArrow);
        Type("!\n");
        Assert.Equal("draft!", editor.ReadLine("> "));
    }

    [Fact]
    public void Ctrl_C_cancels_the_prompt_and_Ctrl_D_on_an_empty_line_ends_the_input()
    {
        var editor = NewEditor();
        Type("half typed");
        Control('c');
        Assert.Throws<PromptCancelledException>(() => editor.ReadLine("Peer port: "));
        Assert.Contains("^C", _screen.Text);

        Type("x");
        Control('d'); // with text it deletes under the cursor (nothing there), it does not quit
        Press(ConsoleKey.Backspace);
        Control('d');
        Assert.Null(editor.ReadLine("Choice: "));
    }

    [Fact]
    public async Task In_the_menu_Ctrl_C_leaves_a_prompt_or_a_chat_and_Ctrl_D_quits()
    {
        await using var node = await TestNodes.StartAsync("menu");
        var peerEvents = new EventWaiter();
        await using var peer = await TestNodes.StartAsync("peer", peerEvents);
        var menu = Task.Run(() => new InteractiveMenu(node, new KeyboardConsole(NewEditor(), _screen)).RunAsync(CancellationToken.None));
        await _screen.WaitForAsync("Choice: ");

        // Ctrl+C at the port prompt: back to the menu, nothing typed afterwards is taken for a port.
        var mark = _screen.Mark();
        Type("1\n127.0.0.1\n");
        await _screen.WaitForAsync("Peer port", mark);
        Control('c');
        await _screen.WaitForAsync("Cancelled.", mark);

        // A chat session ends with Ctrl+C; a blank line in it is refused, not sent.
        mark = _screen.Mark();
        Type($"1\n127.0.0.1:{peer.Port}\n   \nhello after cancel\n");
        await peerEvents.WaitFor<MessageReceived>(m => m.Text == "hello after cancel");
        Assert.Contains("an empty message is not sent", _screen.Text[mark..]);
        Control('c');
        await _screen.WaitForAsync("Chat session ended.", mark);
        Assert.Equal(["hello after cancel"], peerEvents.All<MessageReceived>().Select(m => m.Text));

        Control('d');
        await menu.WaitAsync(EventWaiter.DefaultTimeout);
        Assert.True(menu.IsCompletedSuccessfully);
    }

    /// <summary>The terminal console's input side (the line editor) with plain text output a test can read.</summary>
    private sealed class KeyboardConsole(LineEditor editor, TextWriter screen) : IMenuConsole
    {
        private readonly PlainMenuConsole _plain = new(TextReader.Null, screen);

        public string? Ask(string prompt) => editor.ReadLine(prompt);
        public void Info(string text) => editor.PrintAbove(() => _plain.Info(text));
        public void Error(string text) => editor.PrintAbove(() => _plain.Error(text));
        public void Notify(string text) => editor.PrintAbove(() => _plain.Notify(text));
        public void ShowMenu(string title, IReadOnlyList<(string Key, string Label)> options) => editor.PrintAbove(() => _plain.ShowMenu(title, options));
        public void ShowPeers(IReadOnlyList<Peer> peers, DateTimeOffset now, CryptoSphere.Core.Trust.TrustStore? trust = null) =>
            editor.PrintAbove(() => _plain.ShowPeers(peers, now, trust));
        public void ShowTransfers(IReadOnlyList<CryptoSphere.Core.Files.TransferInfo> transfers) => editor.PrintAbove(() => _plain.ShowTransfers(transfers));
        public void ShowProgress(TransferProgress progress) => editor.PrintAbove(() => _plain.ShowProgress(progress));
    }
}
