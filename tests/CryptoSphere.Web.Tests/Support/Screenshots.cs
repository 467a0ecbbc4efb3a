using OpenQA.Selenium;

namespace CryptoSphere.Web.Tests.Support;

/// <summary>
/// Screenshots of the page. Always written next to the test binaries; written to the repository's
/// docs/ folder (for the README) only when CRYPTOSPHERE_UPDATE_SCREENSHOTS=1, so an ordinary test run
/// never changes a checked-in file.
/// </summary>
internal static class Screenshots
{
    public const string UpdateVariable = "CRYPTOSPHERE_UPDATE_SCREENSHOTS";

    public static void Save(IWebDriver driver, string fileName)
    {
        var shot = ((ITakesScreenshot)driver).GetScreenshot();
        shot.SaveAsFile(Path.Combine(AppContext.BaseDirectory, fileName));
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1" && RepositoryRoot() is { } root)
            shot.SaveAsFile(Path.Combine(root, "docs", fileName));
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CryptoSphere.slnx")))
                return dir.FullName;
        }
        return null;
    }
}
