using System.Text;

namespace CryptoSphere.Cli.Menu;

/// <summary>
/// A small readline for the menu on a terminal: arrows and Home/End move, Up/Down walk the history, Ctrl+U/W/K
/// delete to the start, a word back, to the end; Ctrl+C cancels the prompt, Ctrl+D on an empty line ends the
/// input. It reads key by key so that output arriving meanwhile can be printed above the prompt and the prompt
/// redrawn with what the user has typed so far.
/// </summary>
internal sealed class LineEditor(Func<ConsoleKeyInfo?> readKey, TextWriter output)
{
    private const int HistorySize = 200;

    private readonly object _gate = new();
    private readonly StringBuilder _buffer = new();
    private readonly List<string> _history = [];
    private string? _prompt;
    private int _cursor;

    /// <summary>The line typed; null at end of input (Ctrl+D on an empty line). Throws <see cref="PromptCancelledException"/> on Ctrl+C.</summary>
    public string? ReadLine(string prompt)
    {
        lock (_gate)
        {
            _prompt = prompt;
            _buffer.Clear();
            _cursor = 0;
            output.Write(prompt);
            output.Flush();
        }
        var browsing = _history.Count; // where Up/Down are in the history; Count is the line being typed
        var draft = "";
        while (true)
        {
            if (readKey() is not { } key)
                return Finish(null);
            lock (_gate)
            {
                switch (Classify(key))
                {
                    case Edit.Enter:
                        var line = _buffer.ToString();
                        if (line.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != line))
                        {
                            _history.Add(line);
                            if (_history.Count > HistorySize)
                                _history.RemoveAt(0);
                        }
                        return Finish(line);
                    case Edit.Cancel:
                        Finish("^C");
                        throw new PromptCancelledException();
                    case Edit.EndOfInput when _buffer.Length == 0:
                        return Finish(null);
                    case Edit.EndOfInput or Edit.Delete when _cursor < _buffer.Length:
                        _buffer.Remove(_cursor, 1);
                        break;
                    case Edit.Backspace when _cursor > 0:
                        _buffer.Remove(--_cursor, 1);
                        break;
                    case Edit.Left when _cursor > 0:
                        _cursor--;
                        break;
                    case Edit.Right when _cursor < _buffer.Length:
                        _cursor++;
                        break;
                    case Edit.Home:
                        _cursor = 0;
                        break;
                    case Edit.End:
                        _cursor = _buffer.Length;
                        break;
                    case Edit.KillToStart:
                        _buffer.Remove(0, _cursor);
                        _cursor = 0;
                        break;
                    case Edit.KillToEnd:
                        _buffer.Length = _cursor;
                        break;
                    case Edit.KillWord:
                        var start = _cursor;
                        while (start > 0 && _buffer[start - 1] == ' ')
                            start--;
                        while (start > 0 && _buffer[start - 1] != ' ')
                            start--;
                        _buffer.Remove(start, _cursor - start);
                        _cursor = start;
                        break;
                    case Edit.Up when browsing > 0:
                        if (browsing == _history.Count)
                            draft = _buffer.ToString();
                        Replace(_history[--browsing]);
                        break;
                    case Edit.Down when browsing < _history.Count:
                        Replace(++browsing == _history.Count ? draft : _history[browsing]);
                        break;
                    case Edit.Insert:
                        _buffer.Insert(_cursor++, key.KeyChar);
                        break;
                }
                Redraw();
            }
        }
    }

    /// <summary>Prints whole lines above the prompt, then redraws the prompt and the partial input.</summary>
    public void PrintAbove(Action print)
    {
        lock (_gate)
        {
            if (_prompt is not null)
                output.Write("\r\u001b[2K");
            print();
            if (_prompt is not null)
                Redraw();
        }
    }

    private string? Finish(string? line)
    {
        lock (_gate)
        {
            _cursor = _buffer.Length;
            Redraw();
            if (line == "^C")
                output.Write("^C");
            _prompt = null;
            output.WriteLine();
            output.Flush();
            return line;
        }
    }

    private void Replace(string text)
    {
        _buffer.Clear().Append(text);
        _cursor = _buffer.Length;
    }

    // The whole line again, then the cursor back to where it is in the text.
    private void Redraw()
    {
        output.Write("\r\u001b[2K" + _prompt + _buffer);
        if (_buffer.Length > _cursor)
            output.Write($"\u001b[{_buffer.Length - _cursor}D");
        output.Flush();
    }

    private enum Edit { None, Enter, Cancel, EndOfInput, Backspace, Delete, Left, Right, Home, End, KillToStart, KillToEnd, KillWord, Up, Down, Insert }

    private static Edit Classify(ConsoleKeyInfo key)
    {
        var control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
        // Terminals send Ctrl+letter as the control character itself; .NET reports one or the other.
        var letter = control && key.Key is >= ConsoleKey.A and <= ConsoleKey.Z ? (char)('a' + (key.Key - ConsoleKey.A))
            : key.KeyChar is >= '\u0001' and <= '\u001a' && key.Key != ConsoleKey.Enter && key.Key != ConsoleKey.Tab && key.Key != ConsoleKey.Backspace
                ? (char)('a' + key.KeyChar - 1)
                : '\0';
        return letter switch
        {
            'c' => Edit.Cancel,
            'd' => Edit.EndOfInput,
            'u' => Edit.KillToStart,
            'w' => Edit.KillWord,
            'k' => Edit.KillToEnd,
            'a' => Edit.Home,
            'e' => Edit.End,
            'b' => Edit.Left,
            'f' => Edit.Right,
            'p' => Edit.Up,
            'n' => Edit.Down,
            'h' => Edit.Backspace,
            'm' or 'j' => Edit.Enter,
            _ => key.Key switch
            {
                ConsoleKey.Enter => Edit.Enter,
                ConsoleKey.Backspace => Edit.Backspace,
                ConsoleKey.Delete => Edit.Delete,
                ConsoleKey.LeftArrow => Edit.Left,
                ConsoleKey.RightArrow => Edit.Right,
                ConsoleKey.Home => Edit.Home,
                ConsoleKey.End => Edit.End,
                ConsoleKey.UpArrow => Edit.Up,
                ConsoleKey.DownArrow => Edit.Down,
                _ when !char.IsControl(key.KeyChar) && key.KeyChar != '\0' => Edit.Insert,
                _ => Edit.None,
            },
        };
    }
}
