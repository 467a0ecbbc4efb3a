namespace CryptoSphere.Web.Api;

/// <summary>Bodies the page posts. Everything is optional here and checked by the endpoint, so a missing field is a 400 with a reason.</summary>
public sealed record SendRequest(string? To, string? Text);

public sealed record TextRequest(string? Text);

public sealed record NameRequest(string? Name);

public sealed record PeerRequest(string? Peer);

public sealed record InviteRequest(string? Link, bool Trust);
