using System.Collections.Concurrent;

namespace CryptoSphere.Tests.Cli;

/// <summary>A TextReader the test feeds line by line, as a person would type; End() is end of input.</summary>
internal sealed class ScriptedInput : TextReader
{
    private readonly BlockingCollection<string> _lines = new();

    public void Send(params string[] lines)
    {
        foreach (var line in lines)
            _lines.Add(line);
    }

    public void End() => _lines.CompleteAdding();

    public override string? ReadLine() =>
        _lines.TryTake(out var line, TimeSpan.FromSeconds(30)) ? line : null;
}
