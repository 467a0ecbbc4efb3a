using System.Buffers;
using CryptoSphere.Core.Discovery;
using CryptoSphere.Core.Legacy;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using SharpFuzz;

// One target per parser of network input. Each must return, or throw only the exception that means
// "bad input": anything else escaping is a crash for the fuzzer to report.
var target = args.FirstOrDefault() ?? "";
Action<ReadOnlySpan<byte>>? run = target switch
{
    "legacy" => data => LegacyCodec.Decode(data),
    "frames" => Frames,
    "messages" => Messages,
    "discovery" => data => Announcement.TryDecode(data, out _),
    "mailbox" => Mailbox,
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine("usage: CryptoSphere.Fuzz legacy|frames|messages|discovery|mailbox   (under afl-fuzz, see docs/FUZZING.md)");
    return 2;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    run(copy.ToArray());
});
return 0;

static void Frames(ReadOnlySpan<byte> data)
{
    var buffer = new ReadOnlySequence<byte>(data.ToArray());
    try
    {
        while (FrameCodec.TryRead(ref buffer, 64 * 1024, out _, out _))
        {
        }
    }
    catch (FrameFormatException)
    {
    }
}

static void Messages(ReadOnlySpan<byte> data)
{
    if (data.IsEmpty)
        return;
    var body = new ReadOnlySequence<byte>(data[1..].ToArray());
    try
    {
        // The first byte picks the decoder, so one corpus reaches them all.
        switch (data[0] % 8)
        {
            case 0: HelloMessage.Decode(body); break;
            case 1: ErrorMessage.Decode(body); break;
            case 2: PingMessage.Decode(body); break;
            case 3: ChatMessage.Decode(body); break;
            case 4: AckMessage.Decode(body); break;
            case 5: PeerListMessage.Decode(body); break;
            case 6: GroupStateMessage.Decode(body); break;
            default: GroupChatMessage.Decode(body); break;
        }
    }
    catch (FrameFormatException)
    {
    }
}

static void Mailbox(ReadOnlySpan<byte> data)
{
    if (data.IsEmpty)
        return;
    var rest = data[1..].ToArray();
    var body = new ReadOnlySequence<byte>(rest);
    try
    {
        // The first byte picks the parser: the signed records (sealed envelope, agreement key record, delivery
        // receipt, mailbox directory) and the mailbox frame bodies.
        switch (data[0] % 14)
        {
            case 0: SealedEnvelope.Decode(rest); break;
            case 1: AgreementKeyRecord.Decode(rest); break;
            case 2: DeliveryReceipt.Decode(rest); break;
            case 3: MailboxDirectory.Decode(rest); break;
            case 4: MailboxInfoMessage.Decode(body); break;
            case 5: MailboxRequestMessage.Decode(body); break;
            case 6: MailboxStatusMessage.Decode(body); break;
            case 7: EnvelopePutMessage.Decode(body); break;
            case 8: EnvelopeResultMessage.Decode(body); break;
            case 9: MailboxFetchMessage.Decode(body); break;
            case 10: EnvelopeMessage.Decode(body); break;
            case 11: MailboxFetchEndMessage.Decode(body); break;
            case 12: ReceiptMessage.Decode(body); break;
            default: ReceiptAckMessage.Decode(body); break;
        }
    }
    catch (Exception e) when (e is FrameFormatException or EnvelopeException)
    {
    }
}
