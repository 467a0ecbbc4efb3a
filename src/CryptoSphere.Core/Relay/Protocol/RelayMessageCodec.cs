using System.Buffers.Binary;

namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>
/// The relay wire format: a 12-byte header (magic 0x9E79BC40, message type, body length) and an XDR body of
/// at most 1024 bytes, the limit the relay itself enforces.
/// </summary>
internal static class RelayMessageCodec
{
    public const uint Magic = 0x9E79BC40;
    public const int HeaderLength = 12;
    public const int MaxBodyLength = 1024;

    public static byte[] Encode(RelayMessage message)
    {
        var body = new XdrWriter();
        message.WriteBody(body);
        var bytes = body.ToArray();
        var frame = new byte[HeaderLength + bytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, Magic);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), (int)message.Type);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), bytes.Length);
        bytes.CopyTo(frame, HeaderLength);
        return frame;
    }

    public static RelayMessage Decode(ReadOnlySpan<byte> header, ReadOnlyMemory<byte> body)
    {
        var type = (RelayMessageType)BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        var reader = new XdrReader(body);
        return type switch
        {
            RelayMessageType.Ping => new Ping(),
            RelayMessageType.Pong => new Pong(),
            RelayMessageType.RelayFull => new RelayFull(),
            RelayMessageType.JoinRelayRequest => JoinRelayRequest.Read(reader, body.Length),
            RelayMessageType.JoinSessionRequest => JoinSessionRequest.Read(reader),
            RelayMessageType.Response => RelayResponse.Read(reader),
            RelayMessageType.ConnectRequest => ConnectRequest.Read(reader),
            RelayMessageType.SessionInvitation => SessionInvitation.Read(reader),
            _ => throw new RelayProtocolException($"unknown relay message type {(int)type}"),
        };
    }

    public static async Task WriteAsync(Stream stream, RelayMessage message, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encode(message), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one message; <see cref="EndOfStreamException"/> when the connection ends between messages.</summary>
    public static async Task<RelayMessage> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        var read = await stream.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
            throw new EndOfStreamException("the relay closed the connection");
        if (read < HeaderLength)
            throw new RelayProtocolException("the connection ended inside a relay message header");
        if (BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
            throw new RelayProtocolException("not a relay protocol message (wrong magic)");
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        if (length is < 0 or > MaxBodyLength)
            throw new RelayProtocolException($"relay message body of {length} bytes (at most {MaxBodyLength})");
        var body = new byte[length];
        if (await stream.ReadAtLeastAsync(body, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length)
            throw new RelayProtocolException("the connection ended inside a relay message body");
        return Decode(header, body);
    }
}
