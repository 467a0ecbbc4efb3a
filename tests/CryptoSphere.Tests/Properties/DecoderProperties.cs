using System.Buffers;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Properties;

/// <summary>
/// Every parser of network input, fed arbitrary bytes: it returns a result or throws the one exception
/// that means "bad input, close this connection" — never anything that would escape a handler.
/// </summary>
public sealed class DecoderProperties
{
    private const int Runs = 2000;

    [Property(MaxTest = Runs)]
    public bool Legacy_decoder_never_throws(byte[] data)
    {
        var result = LegacyCodec.Decode(data);
        return result.Success != (result.Error is not null);
    }

    [Property(MaxTest = Runs)]
    public bool Legacy_decoder_reads_garbage_after_a_valid_header_as_text_or_refuses_it(byte[] tail)
    {
        var data = "<1.2.3.4:5000> @ <t>\n"u8.ToArray().Concat(tail).ToArray();
        var result = LegacyCodec.Decode(data);
        return result.Success ? result.Message is LegacyChat or LegacyDisconnect : result.Error == "invalid UTF-8";
    }

    [Property(MaxTest = Runs)]
    public bool Frame_reader_takes_frames_or_refuses_the_stream(byte[] data)
    {
        var buffer = new ReadOnlySequence<byte>(data);
        try
        {
            while (FrameCodec.TryRead(ref buffer, 1024, out _, out var body))
            {
                if (body.Length >= 1024)
                    return false;
            }
            return buffer.Length <= data.Length;
        }
        catch (FrameFormatException)
        {
            return true;
        }
    }

    [Property(MaxTest = Runs)]
    public bool Every_message_decoder_accepts_or_refuses_any_body(byte[] body)
    {
        var sequence = new ReadOnlySequence<byte>(body);
        Action<ReadOnlySequence<byte>>[] decoders =
        [
            b => HelloMessage.Decode(b),
            b => ErrorMessage.Decode(b),
            b => PingMessage.Decode(b),
            b => ChatMessage.Decode(b),
            b => AckMessage.Decode(b),
            b => PeerListMessage.Decode(b),
            b => GroupStateMessage.Decode(b),
            b => GroupChatMessage.Decode(b),
        ];
        foreach (var decode in decoders)
        {
            try
            {
                decode(sequence);
            }
            catch (FrameFormatException)
            {
            }
        }
        return true;
    }

    [Property(MaxTest = Runs)]
    public bool Discovery_parser_never_throws(byte[] datagram)
    {
        var announcement = Announcement.TryDecode(datagram, out var error);
        return announcement is not null || error.Length > 0;
    }

    [Property(MaxTest = Runs)]
    public bool Chat_messages_round_trip_any_text(string? text, long millis)
    {
        var message = new ChatMessage(Guid.CreateVersion7(), DateTimeOffset.FromUnixTimeMilliseconds(Math.Abs(millis % 4_000_000_000_000)),
            RemoveLoneSurrogates(text ?? ""));
        var writer = new ArrayBufferWriter<byte>();
        message.Encode(writer);
        var frame = new ReadOnlySequence<byte>(writer.WrittenMemory);
        return FrameCodec.TryRead(ref frame, FrameCodec.DefaultMaxFrameBytes, out var type, out var body)
               && type == FrameType.Chat && ChatMessage.Decode(body) == message && frame.IsEmpty;
    }

    [Property(MaxTest = Runs)]
    public bool Legacy_chat_round_trips_text_without_the_end_marker(string? text, string? team)
    {
        var cleanText = RemoveLoneSurrogates(text ?? "").Replace("<end>", "").TrimEnd('\r', '\n', ' ', '\t');
        var cleanTeam = RemoveLoneSurrogates(team ?? "").Replace(">", "").Replace("\n", "").Replace("\r", "");
        var decoded = LegacyCodec.Decode(LegacyCodec.EncodeChat("10.0.0.1", 5000, cleanTeam, cleanText));
        return decoded.Message is LegacyChat chat && chat.Text == cleanText && chat.Team == cleanTeam && chat.SenderPort == 5000;
    }

    // Strings from the generator may hold half surrogate pairs, which no UTF-8 peer can send.
    private static string RemoveLoneSurrogates(string text) =>
        new(text.Where((c, i) => !char.IsSurrogate(c) || (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                                                       || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]))).ToArray());
}
