using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Chromium;

namespace CryptoSphere.Web.Tests.Support;

/// <summary>
/// Debian's headless Chromium and its driver (apt-get install chromium chromium-driver; .ci/run does it).
/// Both paths are given explicitly, so Selenium Manager has nothing to look up or download.
/// </summary>
internal static class Chromium
{
    // CRYPTOSPHERE_CHROMIUM points elsewhere (or nowhere, to see the tests skip themselves).
    public static readonly string Browser = Environment.GetEnvironmentVariable("CRYPTOSPHERE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
    public const string DriverDirectory = "/usr/bin";
    public const string DriverFile = "chromedriver";

    public static bool IsInstalled => File.Exists(Browser) && File.Exists(Path.Combine(DriverDirectory, DriverFile));

    /// <summary>
    /// A browser whose page is <paramref name="width"/> x <paramref name="height"/> CSS pixels. A phone is
    /// emulated (headless windows do not get narrower than 500 pixels, and a phone also reports touch).
    /// </summary>
    public static ChromeDriver Start(string profileDirectory, int width, int height, bool phone = false)
    {
        if (!IsInstalled)
            throw new InvalidOperationException(
                $"the browser tests need {Browser} and {DriverDirectory}/{DriverFile}: apt-get install chromium chromium-driver");
        // Belt and braces: even if Selenium Manager were consulted, it must not go online.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");

        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars",
            $"--user-data-dir={profileDirectory}", $"--window-size={width},{height}");
        if (phone)
        {
            options.EnableMobileEmulation(new ChromiumMobileEmulationDeviceSettings
            {
                Width = width,
                Height = height,
                PixelRatio = 1,
                EnableTouchEvents = true,
                UserAgent = "Mozilla/5.0 (Linux; Android 14) Mobile",
            });
        }
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverFile);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
