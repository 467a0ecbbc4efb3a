namespace CryptoSphere.Cli.Commands;

/// <summary>
/// The lines of a text input as spans of one reused buffer, ended as <see cref="TextReader.ReadLine"/> ends them
/// ("\n", "\r\n" or a lone "\r"; the last line may have no end). <c>listen --commands</c> reads a line per message:
/// ReadLineAsync made a string of each whole line before the message's text was cut out of it again.
/// </summary>
internal sealed class CommandLines(TextReader input)
{
    // As large as the reader's own buffer (ListenCommand's 64 KiB): a burst's lines come a pipe's worth at a time.
    private char[] _buffer = new char[64 * 1024];
    // Read and not yet taken: [_start, _end).
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;
    private bool _ended;

    /// <summary>The line <see cref="MoveNextAsync"/> found, without its end; valid until the next call.</summary>
    public ReadOnlySpan<char> Current => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>Moves to the next line; false at the end of the input.</summary>
    public async ValueTask<bool> MoveNextAsync(CancellationToken token)
    {
        // Everything before this index is known to hold no line end.
        var searched = _start;
        while (true)
        {
            var found = _buffer.AsSpan(searched, _end - searched).IndexOfAny('\r', '\n');
            if (found >= 0)
            {
                var at = searched + found;
                if (_buffer[at] == '\r' && at + 1 == _end && !_ended)
                {
                    // A '\r' last in what was read: the next character says whether it is "\r\n".
                    searched = at - await FillAsync(token).ConfigureAwait(false);
                    continue;
                }
                Take(at - _start);
                _start = at + 1;
                if (_buffer[at] == '\r' && _start < _end && _buffer[_start] == '\n')
                    _start++;
                return true;
            }
            if (_ended)
            {
                if (_start == _end)
                    return false;
                Take(_end - _start);
                _start = _end;
                return true;
            }
            var before = _end;
            searched = before - await FillAsync(token).ConfigureAwait(false);
        }
    }

    private void Take(int length) => (_lineStart, _lineLength) = (_start, length);

    // Reads more after what is unread, first moving that to the front (or growing the buffer when it is all unread).
    // Returns how far the unread part moved back.
    private async ValueTask<int> FillAsync(CancellationToken token)
    {
        var moved = _start;
        if (moved > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await input.ReadAsync(_buffer.AsMemory(_end), token).ConfigureAwait(false);
        if (read == 0)
            _ended = true;
        _end += read;
        return moved;
    }
}
