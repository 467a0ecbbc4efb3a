namespace CryptoSphere.Web.Api;

// Small answers of the API, named (rather than anonymous) so that their JSON is generated at build time (WebJson).

/// <summary>An error the page shows as it is: <c>{"error": "..."}</c>.</summary>
public sealed record ErrorReply(string Error);

public sealed record OkReply(bool Ok);

public sealed record RejectedReply(string Rejected);

/// <summary>A peer removed from the table; a failed goodbye is only worth a mention.</summary>
public sealed record RemovedReply(string Removed, bool Goodbye, string? Error);

/// <summary>A group left; <see cref="Unchanged"/> when this node was no longer in it (nothing was written or told).</summary>
public sealed record LeftReply(Guid Left)
{
    public bool Unchanged { get; init; }
}

/// <summary>One page of a conversation's history; <see cref="More"/>: a full page may have more before it.</summary>
public sealed record HistoryPage(string Conversation, IReadOnlyList<MessageView> Messages, bool More);

/// <summary>This node: <c>GET /api/me</c>.</summary>
public sealed record MeView(string Name, string PeerId, string Short, string Address, string Invite, WebLinksView Web);

/// <summary>Where the web interface listens: on this machine, and on the network when exposed.</summary>
public sealed record WebLinksView(string? Local, string? Network);
