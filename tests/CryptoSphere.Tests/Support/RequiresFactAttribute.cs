namespace CryptoSphere.Tests.Support;

/// <summary>
/// A fact that needs something a developer's machine may lack (root for network namespaces, a browser).
/// Where it is missing the test is reported as Skipped with the reason, never as passed. Where
/// <see cref="RequireVariable"/> is set to 1 (CI sets it) it is not skipped: it runs and fails on the
/// missing piece, so a green CI run means the test really ran.
/// </summary>
/// <remarks>
/// xunit 2 decides skips at discovery, so the probe runs then (once per attribute type; keep it cheap).
/// Derive one attribute per requirement: <c>public sealed class NetnsFactAttribute() : RequiresFactAttribute(...)</c>.
/// </remarks>
public abstract class RequiresFactAttribute : FactAttribute
{
    protected RequiresFactAttribute(string requireVariable, string? unavailable)
    {
        RequireVariable = requireVariable;
        if (unavailable is not null && !IsRequired(requireVariable))
            Skip = $"{unavailable} (set {requireVariable}=1 to make this a failure)";
    }

    /// <summary>The environment variable that turns a skip into a failure.</summary>
    public string RequireVariable { get; }

    public static bool IsRequired(string requireVariable) => Environment.GetEnvironmentVariable(requireVariable) == "1";
}
