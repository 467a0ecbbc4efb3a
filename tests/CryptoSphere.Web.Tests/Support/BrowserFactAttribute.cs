namespace CryptoSphere.Web.Tests.Support;

/// <summary>
/// A test that drives Chromium. Where Chromium or its driver is missing it reports itself skipped, with the
/// command that installs them, instead of failing; CI sets <see cref="RequireVariable"/>=1 so that a missing
/// browser fails there.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string RequireVariable = "CRYPTOSPHERE_REQUIRE_BROWSER";

    public BrowserFactAttribute() =>
        Skip = SkipReason(Chromium.IsInstalled, Environment.GetEnvironmentVariable(RequireVariable) == "1");

    public static string? SkipReason(bool installed, bool required) => installed || required
        ? null
        : $"needs {Chromium.Browser} and {Chromium.DriverDirectory}/{Chromium.DriverFile}: " +
          $"sudo apt-get install chromium chromium-driver (set {RequireVariable}=1 to make this a failure)";
}
