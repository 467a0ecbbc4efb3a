using System.Buffers;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Tests.Secure;

/// <summary>
/// Every refusal of a malformed body, with its exact reason: the reason is what a peer's operator reads in
/// the log when a connection is closed, so it must name the frame and the field that broke the rule.
/// </summary>
public partial class MessageCodecTests
{
    private const string Zero16 = "00000000000000000000000000000000";
    private const string Zero8 = "0000000000000000";
    private const string TooBigCount = "8000000000000000"; // u64 2^63: one past what a signed file offset holds

    private static readonly Dictionary<string, Action<ReadOnlySequence<byte>>> Decoders = new()
    {
        ["HELLO"] = b => HelloMessage.Decode(b),
        ["ERROR"] = b => ErrorMessage.Decode(b),
        ["PING"] = b => PingMessage.Decode(b),
        ["GROUP_MESSAGE"] = b => GroupChatMessage.Decode(b),
        ["FILE_OFFER"] = b => FileOfferMessage.Decode(b),
        ["FILE_ACCEPT"] = b => FileAcceptMessage.Decode(b),
        ["FILE_DECLINE"] = b => FileDeclineMessage.Decode(b),
        ["FILE_CHUNK"] = b => FileChunkMessage.Decode(b),
        ["FILE_ACK"] = b => FileAckMessage.Decode(b),
        ["FILE_DONE"] = b => FileDoneMessage.Decode(b),
        ["FILE_RESULT"] = b => FileResultMessage.Decode(b),
        ["FILE_CANCEL"] = b => FileCancelMessage.Decode(b),
        ["MAILBOX_INFO"] = b => MailboxInfoMessage.Decode(b),
        ["MAILBOX_REQUEST"] = b => MailboxRequestMessage.Decode(b),
        ["MAILBOX_STATUS"] = b => MailboxStatusMessage.Decode(b),
        ["ENVELOPE_PUT"] = b => EnvelopePutMessage.Decode(b),
        ["ENVELOPE_RESULT"] = b => EnvelopeResultMessage.Decode(b),
        ["MAILBOX_FETCH"] = b => MailboxFetchMessage.Decode(b),
        ["ENVELOPE"] = b => EnvelopeMessage.Decode(b),
        ["MAILBOX_FETCH_END"] = b => MailboxFetchEndMessage.Decode(b),
        ["RECEIPT"] = b => ReceiptMessage.Decode(b),
        ["RECEIPT_ACK"] = b => ReceiptAckMessage.Decode(b),
    };

    private static string Refusal(string frame, byte[] body) =>
        Assert.Throws<FrameFormatException>(() => Decoders[frame](Body(body))).Message;

    [Theory]
    [InlineData("ERROR", 1, "ERROR frame too short (1 bytes, needs 2)")]
    [InlineData("PING", 7, "PING/PONG frame too short (7 bytes, needs 8)")]
    [InlineData("GROUP_MESSAGE", 47, "GROUP_MESSAGE frame too short (47 bytes, needs 48)")]
    [InlineData("FILE_OFFER", 57, "FILE_OFFER frame too short (57 bytes, needs 58)")]
    [InlineData("FILE_ACCEPT", 23, "FILE_ACCEPT frame too short (23 bytes, needs 24)")]
    [InlineData("FILE_DECLINE", 17, "FILE_DECLINE frame too short (17 bytes, needs 18)")]
    [InlineData("FILE_CHUNK", 23, "FILE_CHUNK frame too short (23 bytes, needs 24)")]
    [InlineData("FILE_ACK", 23, "FILE_ACK frame too short (23 bytes, needs 24)")]
    [InlineData("FILE_DONE", 23, "FILE_DONE frame too short (23 bytes, needs 24)")]
    [InlineData("FILE_RESULT", 17, "FILE_RESULT frame too short (17 bytes, needs 18)")]
    [InlineData("FILE_CANCEL", 15, "FILE_CANCEL frame too short (15 bytes, needs 16)")]
    [InlineData("MAILBOX_INFO", 1, "MAILBOX_INFO frame too short (1 bytes, needs 2)")]
    [InlineData("ENVELOPE", 7, "ENVELOPE frame too short (7 bytes, needs 8)")]
    [InlineData("ENVELOPE_PUT", 0, "ENVELOPE_PUT frame too short")]
    [InlineData("RECEIPT", 0, "RECEIPT frame too short")]
    [InlineData("MAILBOX_REQUEST", 0, "MAILBOX_REQUEST body must be one byte, 0 or 1")]
    [InlineData("MAILBOX_REQUEST", 2, "MAILBOX_REQUEST body must be one byte, 0 or 1")]
    [InlineData("MAILBOX_STATUS", 28, "MAILBOX_STATUS body must be 29 bytes")]
    [InlineData("MAILBOX_STATUS", 30, "MAILBOX_STATUS body must be 29 bytes")]
    [InlineData("ENVELOPE_RESULT", 16, "ENVELOPE_RESULT body must be 17 bytes")]
    [InlineData("ENVELOPE_RESULT", 18, "ENVELOPE_RESULT body must be 17 bytes")]
    [InlineData("MAILBOX_FETCH", 9, "MAILBOX_FETCH body must be 10 bytes")]
    [InlineData("MAILBOX_FETCH", 11, "MAILBOX_FETCH body must be 10 bytes")]
    [InlineData("MAILBOX_FETCH_END", 3, "MAILBOX_FETCH_END body must be 4 bytes")]
    [InlineData("MAILBOX_FETCH_END", 5, "MAILBOX_FETCH_END body must be 4 bytes")]
    [InlineData("RECEIPT_ACK", 15, "RECEIPT_ACK body must be 16 bytes")]
    [InlineData("RECEIPT_ACK", 17, "RECEIPT_ACK body must be 16 bytes")]
    public void ABodyOfTheWrongLength_IsRefused_NamingTheFrame(string frame, int length, string reason)
    {
        Assert.Equal(reason, Refusal(frame, new byte[length]));
    }

    [Theory]
    [InlineData("FILE_ACCEPT", Zero16 + TooBigCount, "FILE_ACCEPT offset 9223372036854775808 is out of range")]
    [InlineData("FILE_ACK", Zero16 + TooBigCount, "FILE_ACK offset 9223372036854775808 is out of range")]
    [InlineData("FILE_CHUNK", Zero16 + TooBigCount + "AA", "FILE_CHUNK offset 9223372036854775808 is out of range")]
    [InlineData("FILE_DONE", Zero16 + "FFFFFFFFFFFFFFFF", "FILE_DONE size 18446744073709551615 is out of range")]
    [InlineData("FILE_CANCEL", Zero16 + "61C3", "FILE_CANCEL reason is not valid UTF-8")]
    [InlineData("FILE_DECLINE", Zero16 + "0001" + "FF", "FILE_DECLINE text is not valid UTF-8")]
    [InlineData("FILE_RESULT", Zero16 + "0002" + "ED A0 80", "FILE_RESULT reason is not valid UTF-8")]
    [InlineData("ERROR", "0003" + "78 F8 88", "ERROR reason is not valid UTF-8")]
    [InlineData("HELLO", "0001 0050 00000000 0002 C328", "HELLO name is not valid UTF-8")]
    [InlineData("HELLO", "0001 0050 00000000 0101", "HELLO name of 257 bytes exceeds 256")]
    [InlineData("ENVELOPE", Zero8 + "01", "ENVELOPE sequence number out of range")]
    [InlineData("ENVELOPE", "8000000000000000 01", "ENVELOPE sequence number out of range")]
    [InlineData("ENVELOPE", "0000000000000001", "ENVELOPE frame too short")]
    [InlineData("ENVELOPE_RESULT", Zero16 + "06", "ENVELOPE_RESULT has an unknown outcome")]
    [InlineData("MAILBOX_FETCH_END", "80000000", "MAILBOX_FETCH_END count out of range")]
    [InlineData("MAILBOX_FETCH", "0000" + Zero8, "MAILBOX_FETCH asks for 0 envelopes after 0; 1-256 after 0 or more allowed")]
    [InlineData("MAILBOX_FETCH", "0101" + Zero8, "MAILBOX_FETCH asks for 257 envelopes after 0; 1-256 after 0 or more allowed")]
    [InlineData("MAILBOX_FETCH", "0001" + "FFFFFFFFFFFFFFFF", "MAILBOX_FETCH asks for 1 envelopes after -1; 1-256 after 0 or more allowed")]
    [InlineData("MAILBOX_INFO", "0000 07", "MAILBOX_INFO key record length 0 is out of range")]
    [InlineData("MAILBOX_INFO", "0005 010203", "MAILBOX_INFO key record length 5 is out of range")]
    [InlineData("MAILBOX_INFO", "0001 07", "MAILBOX_INFO frame too short")] // a key record, then no directory
    [InlineData("MAILBOX_REQUEST", "02", "MAILBOX_REQUEST body must be one byte, 0 or 1")]
    [InlineData("MAILBOX_STATUS", "04" + "00000000" + Zero8 + "00000000" + "00000000" + Zero8, "MAILBOX_STATUS has an unknown state")]
    [InlineData("MAILBOX_STATUS", "02" + "80000000" + Zero8 + "00000000" + "00000000" + Zero8, "MAILBOX_STATUS count out of range")]
    [InlineData("MAILBOX_STATUS", "02" + "00000000" + Zero8 + "00000000" + "80000000" + Zero8, "MAILBOX_STATUS count out of range")]
    [InlineData("MAILBOX_STATUS", "02" + "00000000" + TooBigCount + "00000000" + "00000000" + Zero8,
        "MAILBOX_STATUS quota 9223372036854775808 is out of range")]
    [InlineData("MAILBOX_STATUS", "02" + "00000000" + Zero8 + "00000000" + "00000000" + TooBigCount,
        "MAILBOX_STATUS held bytes 9223372036854775808 is out of range")]
    public void AMalformedBody_IsRefused_NamingTheFrameAndTheField(string frame, string hex, string reason)
    {
        Assert.Equal(reason, Refusal(frame, Convert.FromHexString(hex.Replace(" ", ""))));
    }
}
