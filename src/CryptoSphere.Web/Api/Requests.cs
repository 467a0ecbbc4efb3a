namespace CryptoSphere.Web.Api;

/// <summary>Bodies the page posts. Everything is optional here and checked by the endpoint, so a missing field is a 400 with a reason.</summary>
public sealed record SendRequest(string? To, string? Text);

public sealed record TextRequest(string? Text);

public sealed record NameRequest(string? Name);

public sealed record PeerRequest(string? Peer);

/// <summary><c>mailbox serve</c>: the peer, and its quota (each left out takes the default).</summary>
public sealed record ServeRequest(string? Peer, int? MaxEnvelopes, int? MaxMegabytes, double? ExpiryDays);

public sealed record InviteRequest(string? Link, bool Trust);
