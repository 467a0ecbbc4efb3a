using CryptoSphere.Core.Storage;

namespace CryptoSphere.Web.Api;

/// <summary>One stored message as the page gets it. <see cref="Text"/> is the raw text: the page renders it as text only.</summary>
public sealed record MessageView(
    long Seq, Guid Id, string Conversation, bool Outgoing, string? PeerId, string? PeerShort, string Address, string Name,
    string Text, string Protocol, string Security, DateTimeOffset SentAt, DateTimeOffset StoredAt, string State,
    string? Error, long? Lamport)
{
    internal static MessageView From(StoredMessage m, TrustLabelCache trust) => new(
        m.Sequence, m.Id, m.Conversation, m.Outgoing, Labels.Id(m.PeerId), Labels.Short(m.PeerId), m.Address, m.Name, m.Text,
        Labels.Protocol(m.Protocol), m.Protocol == Core.Peers.PeerProtocol.Legacy ? Core.Trust.TrustLabels.Unencrypted : trust.Of(m.PeerId),
        m.SentAt, m.StoredAt, Labels.State(m.State), m.Error, m.Lamport) { Refusals = m.Refusals };

    /// <summary>An outgoing group message some members refused for good: who, and why.</summary>
    public string? Refusals { get; init; }
}
