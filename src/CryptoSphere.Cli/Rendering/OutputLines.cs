using System.Buffers;
using System.Text;

namespace CryptoSphere.Cli.Rendering;

/// <summary>
/// <c>listen</c>'s standard output: lines gathered in one buffer and written when the node has no more events queued
/// (one write per burst, a lone event still at once). An event's JSON goes in as the UTF-8 the node wrote it in: made
/// into a string and encoded back, it cost a string per message at both ends of a chat. Not thread-safe: the caller
/// holds its lock.
/// </summary>
internal sealed class OutputLines(Stream output) : IDisposable
{
    // Written out past this even without a flush, so a long burst does not grow the buffer without end.
    private const int FlushAt = 64 * 1024;

    private readonly ArrayBufferWriter<byte> _pending = new(FlushAt + 4096);

    public void WriteLine(string line)
    {
        Encoding.UTF8.GetBytes(line, _pending);
        EndLine();
    }

    /// <summary>
    /// A JSON line as UTF-8. Printable ASCII (almost every event) goes as it is; anything else through
    /// <see cref="CliJson.EscapeHidden"/>, so a bidi or invisible character from the network is escaped as on every other path.
    /// </summary>
    public void WriteJsonLine(ReadOnlySpan<byte> utf8)
    {
        if (utf8.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e))
        {
            WriteLine(CliJson.EscapeHidden(Encoding.UTF8.GetString(utf8)));
            return;
        }
        _pending.Write(utf8);
        EndLine();
    }

    public void Flush()
    {
        WritePending();
        output.Flush();
    }

    public void Dispose()
    {
        try
        {
            Flush();
        }
        catch (IOException)
        {
            // The reader of standard output is gone (a closed pipe): nothing left to tell it.
        }
    }

    private void EndLine()
    {
        _pending.Write("\n"u8);
        if (_pending.WrittenCount >= FlushAt)
            WritePending();
    }

    private void WritePending()
    {
        if (_pending.WrittenCount == 0)
            return;
        output.Write(_pending.WrittenSpan);
        _pending.ResetWrittenCount();
    }
}
