using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CryptoSphere.Core.Node;

/// <summary>
/// One JSON object written field by field as <see cref="NodeEventJson"/> adds them: the same text a
/// <see cref="JsonObject"/> with those fields would give (order, escaping, numbers), without building one per event.
/// </summary>
internal sealed class EventJsonWriter : IDisposable
{
    // One per thread, used again event after event: a writer and its buffer per event were most of what printing an
    // event allocated (events come one per message received or sent).
    [ThreadStatic]
    private static EventJsonWriter? _spare;

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;
    private readonly JavaScriptEncoder? _encoder;

    private EventJsonWriter(JavaScriptEncoder? encoder)
    {
        _encoder = encoder;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = encoder });
    }

    /// <summary>A writer with the object opened; dispose it when done, which keeps it for the thread's next event.</summary>
    public static EventJsonWriter Start(JavaScriptEncoder? encoder)
    {
        var writer = _spare is { } spare && spare._encoder == encoder ? spare : new EventJsonWriter(encoder);
        _spare = null;
        writer._writer.WriteStartObject();
        return writer;
    }

    /// <summary>A time in the round-trip ("O") form: every event has one.</summary>
    public void Add(string name, DateTimeOffset value) => AddFormatted(name, value, "O");

    /// <summary>A message or transfer ID (most events carry one).</summary>
    public void Add(string name, Guid value) => AddFormatted(name, value, default);

    /// <summary>A peer ID in its grouped form.</summary>
    public void Add(string name, Identity.PeerId value) => AddFormatted(name, value, default);

    /// <summary>An address as HOST:PORT.</summary>
    public void Add(string name, Peers.PeerKey value) => AddFormatted(name, value, default);

    // Formatted on the stack, not as a string per field (one event per message sent and per message received); a value
    // too long for the stack buffer (a very long host name) is formatted the ordinary way.
    private void AddFormatted<T>(string name, T value, ReadOnlySpan<char> format) where T : ISpanFormattable
    {
        Span<char> text = stackalloc char[128];
        if (value.TryFormat(text, out var written, format, System.Globalization.CultureInfo.InvariantCulture))
            _writer.WriteString(name, text[..written]);
        else
            _writer.WriteString(name, value.ToString(format.IsEmpty ? null : format.ToString(), System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Add(string name, object? value)
    {
        switch (value)
        {
            case null:
                _writer.WriteNull(name);
                break;
            case string text:
                _writer.WriteString(name, text);
                break;
            case bool flag:
                _writer.WriteBoolean(name, flag);
                break;
            case int number:
                _writer.WriteNumber(name, number);
                break;
            case long number:
                _writer.WriteNumber(name, number);
                break;
            case double number:
                _writer.WriteNumber(name, number);
                break;
            case JsonNode node:
                _writer.WritePropertyName(name);
                node.WriteTo(_writer);
                break;
            default:
                throw new ArgumentException($"no JSON form for a {value.GetType().Name}", nameof(value));
        }
    }

    public string Finish() => Encoding.UTF8.GetString(FinishUtf8());

    /// <summary>The object closed, as UTF-8; valid until the writer is disposed.</summary>
    public ReadOnlySpan<byte> FinishUtf8()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    public void Dispose()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        // A writer grown by a huge event is not kept.
        if (_buffer.Capacity <= 64 * 1024)
            _spare = this;
    }
}
