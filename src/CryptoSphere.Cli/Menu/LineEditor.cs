using System.Text;

namespace CryptoSphere.Cli.Menu;

/// <summary>
/// Reads a line key by key so that output arriving meanwhile can be printed above the prompt and
/// the prompt redrawn with what the user has typed so far.
/// </summary>
internal sealed class LineEditor
{
    private readonly object _gate = new();
    private readonly StringBuilder _buffer = new();
    private string? _prompt;

    public string? ReadLine(string prompt)
    {
        lock (_gate)
        {
            _prompt = prompt;
            _buffer.Clear();
            Console.Write(prompt);
        }
        while (true)
        {
            ConsoleKeyInfo key;
            try
            {
                key = Console.ReadKey(intercept: true);
            }
            catch (InvalidOperationException)
            {
                return null;
            }
            lock (_gate)
            {
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        var line = _buffer.ToString();
                        _prompt = null;
                        Console.WriteLine();
                        return line;
                    case ConsoleKey.Backspace when _buffer.Length > 0:
                        _buffer.Length--;
                        Console.Write("\b \b");
                        break;
                    case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && _buffer.Length == 0:
                        _prompt = null;
                        Console.WriteLine();
                        return null;
                    default:
                        if (!char.IsControl(key.KeyChar))
                        {
                            _buffer.Append(key.KeyChar);
                            Console.Write(key.KeyChar);
                        }
                        break;
                }
            }
        }
    }

    /// <summary>Prints whole lines above the prompt, then redraws the prompt and the partial input.</summary>
    public void PrintAbove(Action print)
    {
        lock (_gate)
        {
            if (_prompt is not null)
                Console.Write("\r\u001b[2K");
            print();
            if (_prompt is not null)
                Console.Write(_prompt + _buffer);
        }
    }
}
