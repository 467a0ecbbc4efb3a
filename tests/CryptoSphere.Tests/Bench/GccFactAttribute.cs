using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Bench;

/// <summary>A fact that compiles the legacy benchmark's C programs, so needs gcc on PATH.</summary>
public sealed class GccFactAttribute() : RequiresFactAttribute(Variable, Gcc is null ? "gcc is not on PATH" : null)
{
    public const string Variable = "CRYPTOSPHERE_REQUIRE_GCC";

    public static string? Gcc { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, "gcc")).FirstOrDefault(File.Exists);
}
