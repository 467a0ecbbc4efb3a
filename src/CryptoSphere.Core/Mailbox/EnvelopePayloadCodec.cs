using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The plaintext inside an envelope. Layout: u8 kind, 16-byte message ID, 16-byte conversation (group) ID
/// (zero for a direct message), i64 order (Lamport time, or a direct message's place), i64 send time (Unix ms), u32 text length,
/// UTF-8 text, then zero bytes up to a multiple of <see cref="PadBlock"/> so the mailbox sees the size only
/// roughly.
/// </summary>
internal static class EnvelopePayloadCodec
{
    public const int PadBlock = 256;
    public const int MaxTextBytes = 256 * 1024;
    private const int FixedSize = 1 + 16 + 16 + 8 + 8 + 4;
    public static readonly int MaxPlaintextBytes = Padded(FixedSize + MaxTextBytes);

    public static byte[] Encode(EnvelopePayload payload)
    {
        if (!FieldsFit(payload.Kind, payload.ConversationId, payload.Lamport))
            throw new ArgumentException($"not a valid {payload.Kind} message (conversation ID or Lamport time)");
        var text = WireText.Utf8.GetBytes(payload.Text);
        if (text.Length > MaxTextBytes)
            throw new ArgumentException($"a sealed message holds at most {MaxTextBytes} bytes of text");
        var writer = new WireWriter()
            .Byte((byte)payload.Kind).Guid(payload.MessageId).Guid(payload.ConversationId)
            .Int64(payload.Lamport).Time(payload.SentAt).UInt32((uint)text.Length).Bytes(text);
        var plaintext = new byte[Padded(FixedSize + text.Length)];
        writer.Written.CopyTo(plaintext);
        return plaintext;
    }

    public static EnvelopePayload Decode(ReadOnlySpan<byte> plaintext)
    {
        if (plaintext.Length % PadBlock != 0 || plaintext.Length > MaxPlaintextBytes)
            throw new EnvelopeException("envelope payload has a size no sender writes");
        var reader = new WireReader(plaintext, "envelope payload");
        var kind = (EnvelopeKind)reader.Byte("kind");
        var messageId = reader.Guid("message ID");
        var conversation = reader.Guid("conversation ID");
        var lamport = reader.Int64("Lamport time");
        var sentAt = reader.Time("send time");
        var length = reader.UInt32("text length");
        if (length > MaxTextBytes)
            throw new EnvelopeException("envelope payload text too long");
        if (!FieldsFit(kind, conversation, lamport))
            throw new EnvelopeException("envelope payload: unknown kind or fields that do not fit it");
        string text;
        try
        {
            text = WireText.Utf8.GetString(reader.Bytes((int)length, "text"));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new EnvelopeException("envelope payload text is not valid UTF-8");
        }
        if (plaintext[reader.Position..].ContainsAnyExcept((byte)0))
            throw new EnvelopeException("envelope payload padding is not zero");
        return new EnvelopePayload(kind, messageId, conversation, lamport, sentAt, text);
    }

    private static bool FieldsFit(EnvelopeKind kind, Guid conversation, long lamport) => kind switch
    {
        EnvelopeKind.Direct => conversation == Guid.Empty && lamport >= 0,
        EnvelopeKind.Group => conversation != Guid.Empty && lamport >= 0,
        _ => false,
    };

    private static int Padded(int length) => (length + PadBlock - 1) / PadBlock * PadBlock;
}
