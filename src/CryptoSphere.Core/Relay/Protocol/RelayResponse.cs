namespace CryptoSphere.Core.Relay.Protocol;

/// <summary>The relay's answer to a join or connect request; code 0 is success.</summary>
internal sealed record RelayResponse(int Code, string Message) : RelayMessage
{
    public const int Success = 0;
    public const int NotFound = 1;
    public const int AlreadyConnected = 2;
    public const int WrongToken = 3;
    public const int UnexpectedMessage = 100;

    // The relay's own messages are a few words; the cap keeps a hostile one from filling a log line.
    private const int MaxMessageBytes = 512;

    public override RelayMessageType Type => RelayMessageType.Response;

    public bool IsSuccess => Code == Success;

    internal override void WriteBody(XdrWriter writer)
    {
        writer.WriteInt32(Code);
        writer.WriteString(Message);
    }

    internal static RelayResponse Read(XdrReader reader) => new(reader.ReadInt32(), reader.ReadString(MaxMessageBytes));
}
