using CryptoSphere.Core.Storage;

namespace CryptoSphere.Cli.Rendering;

/// <summary>How a stored message reads in history, search and Markdown export.</summary>
internal static class MessageText
{
    /// <summary>One message; its text is indented after line breaks, names and addresses shown safely.</summary>
    public static string Line(StoredMessage m) => TerminalText.Lines(
        $"#{m.Sequence} [{m.SentAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}] {(m.Outgoing ? "you -> " + Who(m) : Who(m))}{State(m)}: {m.Text}");

    private static string Who(StoredMessage m) => m.Name.Length > 0 ? $"{TerminalText.Safe(m.Name)} ({TerminalText.Safe(m.Address)})" : TerminalText.Safe(m.Address);

    /// <summary>The delivery state of one's own messages; received ones need none.</summary>
    public static string State(StoredMessage m) => m.Outgoing
        ? $" [{m.State.ToString().ToLowerInvariant()}{(m.State == MessageState.Failed && m.Error is { } e ? ": " + TerminalText.Safe(e) : "")}]"
        : m.Protocol == Core.Peers.PeerProtocol.Legacy ? " [unencrypted, unverified]" : "";

    public static string StateName(MessageState state) => state.ToString().ToLowerInvariant();
}
