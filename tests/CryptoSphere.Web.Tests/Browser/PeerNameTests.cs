using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace CryptoSphere.Web.Tests.Browser;

/// <summary>
/// A peer's name comes from its HELLO and may be any text, markup included. The content security policy
/// stops scripts, not injected elements (a fake button, a styled overlay), so the page must show a name as
/// the characters it is, wherever it shows it.
/// </summary>
public sealed class PeerNameTests : IAsyncLifetime
{
    private const string MarkupName = "<b id=\"injected\">bob</b><img id=\"injected-img\" src=\"x\">";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _profile = new();
    private WebNode _a = null!;
    private ChatNode _b = null!;
    private ChromeDriver? _browser;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _b = await TestNodes.StartAsync(MarkupName);
    }

    public async Task DisposeAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _profile.Dispose();
    }

    private static int Injected(IWebDriver d) => d.FindElements(By.CssSelector("#injected, #injected-img")).Count;

    [BrowserFact]
    public async Task A_peer_name_made_of_HTML_is_shown_as_text_in_the_peer_list_the_conversations_and_the_messages()
    {
        var sent = await _b.SendAsync(TestNodes.KeyOf(_a.Node), "hello from a name with markup");
        Assert.True(sent.Success, sent.Error);
        await _a.Events.WaitFor<MessageReceived>(m => m.Name == MarkupName, Patience);

        _browser = Chromium.Start(_profile.Path, 1280, 800);
        _browser.Navigate().GoToUrl(_a.Web.LocalLink);
        var wait = new WebDriverWait(_browser, Patience) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        wait.Until(d => d.FindElement(By.Id("live")).GetAttribute("data-state") == "live");

        // The conversation list, then the conversation itself (its title and the message's sender).
        wait.Until(d => d.FindElements(By.CssSelector("#conversations li[data-conversation]")).Any(c => c.Text.Contains(MarkupName)));
        wait.Until(d =>
        {
            var item = d.FindElements(By.CssSelector("#conversations li[data-conversation] button")).FirstOrDefault();
            item?.Click();
            return item is not null;
        });
        wait.Until(d => d.FindElements(By.CssSelector("#messages .msg.in .name")).Any(n => n.Text == MarkupName));
        Assert.Equal(MarkupName, _browser.FindElement(By.Id("conversation-title")).Text);
        Assert.Equal(0, Injected(_browser));

        _browser.FindElement(By.CssSelector("#tabs button[data-view=peers]")).Click();
        wait.Until(d => d.FindElements(By.CssSelector("#peers .card .name")).Any(n => n.Text == MarkupName));
        Assert.Equal(0, Injected(_browser));

        _browser.FindElement(By.CssSelector("#tabs button[data-view=contacts]")).Click();
        wait.Until(d => d.FindElements(By.CssSelector("#contacts .card .name")).Any(n => n.Text == MarkupName));
        Assert.Equal(0, Injected(_browser));
    }
}
