using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Web.Api;

/// <summary>
/// One stored message as the page gets it. <see cref="Text"/> is the raw text: the page renders it as text only.
/// <see cref="Waiting"/>: for a message still in the outbox, each recipient it waits for and the mailboxes holding
/// a sealed copy for it (none: the outbox only); null once it waits for nobody.
/// </summary>
public sealed record MessageView(
    long Seq, Guid Id, string Conversation, bool Outgoing, string? PeerId, string? PeerShort, string Address, string Name,
    string Text, string Protocol, string Security, DateTimeOffset SentAt, DateTimeOffset StoredAt, string State,
    string? Error, long? Lamport, IReadOnlyList<WaitingView>? Waiting = null)
{
    internal static MessageView From(StoredMessage m, TrustLabelCache trust, IReadOnlyDictionary<Guid, IReadOnlyList<WaitingCopy>>? waiting = null,
        Core.Trust.TrustStore? names = null) => new(
        m.Sequence, m.Id, m.Conversation, m.Outgoing, Labels.Id(m.PeerId), Labels.Short(m.PeerId), m.Address, m.Name, m.Text,
        Labels.Protocol(m.Protocol), m.Protocol == Core.Peers.PeerProtocol.Legacy ? Core.Trust.TrustLabels.Unencrypted : trust.Of(m.PeerId),
        m.SentAt, m.StoredAt, Labels.State(m.State), m.Problem, m.Lamport,
        waiting is not null && names is not null && waiting.TryGetValue(m.Id, out var copies) ? copies.Select(c => WaitingView.From(c, names)).ToList() : null) { Refusals = m.Refusals };

    /// <summary>An outgoing group message some members refused for good: who, and why.</summary>
    public string? Refusals { get; init; }
}
