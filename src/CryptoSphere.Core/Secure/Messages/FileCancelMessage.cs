using System.Buffers;

namespace CryptoSphere.Core.Secure.Messages;

/// <summary>
/// Either side stops a transfer for good (the user cancelled, or the transfer broke a rule).
/// Body: 16-byte transfer ID, reason (UTF-8, the rest).
/// </summary>
internal sealed record FileCancelMessage(Guid TransferId, string Reason)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var reason = WireText.Utf8.GetBytes(Reason);
        FrameCodec.Write(output, FrameType.FileCancel, (this, reason), FileFields.IdSize + reason.Length, static (span, s) =>
        {
            FileFields.WriteId(span, s.Item1.TransferId);
            s.reason.CopyTo(span[FileFields.IdSize..]);
        });
    }

    public static FileCancelMessage Decode(ReadOnlySequence<byte> body)
    {
        Span<byte> id = stackalloc byte[FileFields.IdSize];
        WireText.CopyPrefix(body, id, "FILE_CANCEL");
        return new FileCancelMessage(FileFields.ReadId(id), WireText.Decode(body.Slice(FileFields.IdSize), "FILE_CANCEL reason"));
    }
}
