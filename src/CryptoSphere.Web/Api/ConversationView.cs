namespace CryptoSphere.Web.Api;

/// <summary>
/// A conversation: with one secure peer (<c>peer:ID</c>), a legacy address (<c>legacy:HOST:PORT</c>)
/// or a group (<c>group:GUID</c>).
/// </summary>
public sealed record ConversationView(
    string Id, string Kind, string Title, DateTimeOffset? LastActivity, long Messages, string? PeerId, string Security,
    bool Online, string? Address);
