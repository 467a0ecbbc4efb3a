namespace CryptoSphere.Core.Groups;

/// <summary>
/// How a group operation went: <see cref="Value"/> when it succeeded, else <see cref="Error"/> (one line for the
/// user) and <see cref="Failure"/>. Expected failures come back this way, as a <see cref="Node.SendResult"/> does;
/// exceptions are left for bugs and I/O failures (docs/ARCHITECTURE.md, Errors).
/// </summary>
public sealed record GroupResult<T>(T? Value, string? Error, GroupFailure Failure)
{
    public bool Success => Failure == GroupFailure.None;

    /// <summary>It succeeded without changing anything: the member was already there, or already not, or this node had left (no new version, nobody told).</summary>
    public bool Unchanged { get; init; }
}

/// <summary>Makes <see cref="GroupResult{T}"/>s.</summary>
public static class GroupResult
{
    public static GroupResult<T> Ok<T>(T value) => new(value, null, GroupFailure.None);

    public static GroupResult<T> Failed<T>(GroupFailure failure, string error) => new(default, error, failure);
}
