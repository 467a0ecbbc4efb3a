using CryptoSphere.Web.Tests.Support;

namespace CryptoSphere.Web.Tests.Browser;

/// <summary>Without Chromium the browser tests skip themselves and say how to install it; CI can forbid that.</summary>
public sealed class BrowserFactTests
{
    [Fact]
    public void A_missing_browser_skips_with_the_install_command_unless_it_is_required()
    {
        Assert.Contains("apt-get install chromium chromium-driver", BrowserFactAttribute.SkipReason(installed: false, required: false));
        Assert.Null(BrowserFactAttribute.SkipReason(installed: false, required: true));
        Assert.Null(BrowserFactAttribute.SkipReason(installed: true, required: false));
    }
}
