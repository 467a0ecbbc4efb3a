using System.Text;

namespace CryptoSphere.Cli.Control;

/// <summary>
/// What a command says and how it exits, kept apart from printing, so the same command logic can run in
/// this process or inside the running node (its output then travels back over the control socket).
/// </summary>
internal sealed class CommandOutcome
{
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    public int Exit { get; private set; }

    public string Out => _out.ToString();

    public string Err => _err.ToString();

    public CommandOutcome Say(string line)
    {
        _out.AppendLine(line);
        return this;
    }

    /// <summary>A one-line error in the command's usual form; <paramref name="exit"/> as the command documents it.</summary>
    public CommandOutcome Fail(string error, int exit = 1)
    {
        _err.AppendLine($"cryptosphere: {error}");
        Exit = exit;
        return this;
    }

    public CommandOutcome WithExit(int exit)
    {
        Exit = exit;
        return this;
    }

    public int Print()
    {
        Console.Out.Write(Out);
        Console.Error.Write(Err);
        return Exit;
    }

    public static CommandOutcome From(int exit, string output, string error)
    {
        var outcome = new CommandOutcome { Exit = exit };
        outcome._out.Append(output);
        outcome._err.Append(error);
        return outcome;
    }
}
