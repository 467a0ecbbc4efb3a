namespace CryptoSphere.Core.Secure;

/// <summary>The first payload byte of a secure frame (docs/protocol.md). Unknown types are skipped.</summary>
internal enum FrameType : byte
{
    Hello = 0x01,
    Error = 0x02,
    Ping = 0x03,
    Pong = 0x04,
    Bye = 0x05,
    Chat = 0x10,
    Ack = 0x11,

    // 0x20-0x2F: file transfer.
    FileOffer = 0x20,
    FileAccept = 0x21,
    FileDecline = 0x22,
    FileChunk = 0x23,
    FileAck = 0x24,
    FileDone = 0x25,
    FileCancel = 0x26,
    FileResult = 0x27,

    // 0x30-0x3F: peer exchange and groups.
    PeersRequest = 0x30,
    Peers = 0x31,
    GroupState = 0x32,
    GroupMessage = 0x33,
    GroupRefused = 0x34,

    // 0x40-0x4F: mailboxes (sealed envelopes held for offline peers).
    MailboxInfo = 0x40,
    MailboxRequest = 0x41,
    MailboxStatus = 0x42,
    EnvelopePut = 0x43,
    EnvelopeResult = 0x44,
    MailboxFetch = 0x45,
    Envelope = 0x46,
    MailboxFetchEnd = 0x47,
    Receipt = 0x48,
    ReceiptAck = 0x49,
}
