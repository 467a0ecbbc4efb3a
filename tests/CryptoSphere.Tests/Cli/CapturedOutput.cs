using System.Text;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>A TextWriter that lets a test wait until some text has been written.</summary>
internal sealed class CapturedOutput : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_gate)
        {
            _text.Append(value);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            _text.Append(value);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public string Text
    {
        get { lock (_gate) return _text.ToString(); }
    }

    /// <summary>Where the output ends now; pass it to <see cref="WaitForAsync"/> to ignore older text.</summary>
    public int Mark()
    {
        lock (_gate) return _text.Length;
    }

    public Task<string> WaitForAsync(string expected, int since = 0, TimeSpan? timeout = null) =>
        WaitUntilAsync(text => text.Contains(expected, StringComparison.Ordinal), $"'{expected}'", since, timeout);

    /// <summary>Waits until the text written since <paramref name="since"/> satisfies <paramref name="condition"/>; returns that text.</summary>
    public async Task<string> WaitUntilAsync(Func<string, bool> condition, string what, int since = 0, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? EventWaiter.DefaultTimeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var text = _text.ToString(since, _text.Length - since);
                if (condition(text))
                    return text;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"{what} was not written; output so far:\n{Text}");
        }
    }
}
