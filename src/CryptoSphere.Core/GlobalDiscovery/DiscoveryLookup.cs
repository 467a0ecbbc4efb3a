namespace CryptoSphere.Core.GlobalDiscovery;

/// <summary>What the server knows of a device: the addresses it announced (URLs such as relay://…) and when.</summary>
public sealed record DiscoveryLookup(IReadOnlyList<string> Addresses, DateTimeOffset? Seen);
