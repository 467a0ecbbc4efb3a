using System.Buffers;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>A mailbox frame's body as a handler receives it (the encoding without its 5-byte frame header).</summary>
internal static class FrameBody
{
    private const int HeaderSize = 5;

    public static ReadOnlySequence<byte> Of(EnvelopeMessage message) => Of(message.Encode);

    public static ReadOnlySequence<byte> Of(MailboxFetchEndMessage message) => Of(message.Encode);

    public static ReadOnlySequence<byte> Of(Action<IBufferWriter<byte>> encode)
    {
        var output = new ArrayBufferWriter<byte>();
        encode(output);
        return new ReadOnlySequence<byte>(output.WrittenMemory[HeaderSize..]);
    }
}
