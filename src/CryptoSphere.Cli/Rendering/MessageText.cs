using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Core.Trust;

namespace CryptoSphere.Cli.Rendering;

/// <summary>How a stored message reads in history, search and Markdown export.</summary>
internal static class MessageText
{
    /// <summary>One message; its text is indented after line breaks, names and addresses shown safely.</summary>
    /// <param name="groups">Group names by conversation ID (<see cref="GroupNames"/>): a group message is labelled with its group.</param>
    public static string Line(StoredMessage m, IReadOnlyDictionary<string, string>? groups = null) => TerminalText.Lines(
        $"#{m.Sequence} [{m.SentAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}] {Direction(m, groups)}{State(m)}: {m.Text}");

    // An outgoing group message went to the group, not to the member whose name its row happens to carry.
    private static string Direction(StoredMessage m, IReadOnlyDictionary<string, string>? groups)
    {
        var group = groups is not null && groups.TryGetValue(m.Conversation, out var name) ? "#" + TerminalText.Safe(name) : null;
        return (m.Outgoing, group) switch
        {
            (true, { } g) => "you -> " + g,
            (true, null) => "you -> " + Who(m),
            (false, { } g) => $"{g} {Who(m)}",
            _ => Who(m),
        };
    }

    /// <summary>Group names by conversation ID, for <see cref="Line"/>.</summary>
    public static IReadOnlyDictionary<string, string> GroupNames(ChatStore store) =>
        store.Groups().ToDictionary(g => g.Conversation, g => g.Name);

    // An old peer's message starts with its label, before the name it chose (which could mimic a secure line otherwise);
    // its name is tidied as on arrival, so rows stored before that rule read the same.
    private static string Who(StoredMessage m) => m.Protocol == PeerProtocol.Legacy
        ? (m.Outgoing ? "" : $"[{TrustLabels.UnencryptedUnverified}] ") + EventText.LegacyWho(m.Name, m.Address)
        : m.Name.Length > 0 ? $"{TerminalText.Safe(m.Name)} ({TerminalText.Safe(m.Address)})" : TerminalText.Safe(m.Address);

    /// <summary>The delivery state of one's own messages; of a received one, only what sets it apart (legacy, or held).</summary>
    public static string State(StoredMessage m) => m.Outgoing
        ? $" [{m.State.ToString().ToLowerInvariant()}{(m.State == MessageState.Failed && m.Error is { } e ? ": " + TerminalText.Safe(e) : "")}" +
          // A group message some members refused: delivered (or still on its way) to the others, and not to these.
          $"{(m.State != MessageState.Failed && m.Refusals is { } r ? "; not to: " + TerminalText.Safe(r) : "")}]"
        // An old peer's label is in front of its name (Who).
        : m.Protocol == PeerProtocol.Legacy ? ""
        // Held under --accept trusted: not accepted, and deleted if the request is rejected; it must not read as accepted.
        : m.State == MessageState.Held ? " [contact request: waiting for your decision]" : "";

    public static string StateName(MessageState state) => state.ToString().ToLowerInvariant();
}
