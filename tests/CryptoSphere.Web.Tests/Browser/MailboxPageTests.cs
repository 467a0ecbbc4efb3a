using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace CryptoSphere.Web.Tests.Browser;

/// <summary>
/// The Mailboxes page and the conversation in headless Chromium: where a message waits (held by mailbox M), the
/// mailbox status, and the settings changed from the page. Every wait is on a condition in the page, bounded.
/// </summary>
public sealed class MailboxPageTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _profile = new();
    private readonly NodeIdentity _bobIdentity = NodeIdentity.CreateEphemeral();
    private WebNode _a = null!;
    private ChatNode _m = null!;
    private ChromeDriver? _browser;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _m = await TestNodes.StartAsync("m");
    }

    public async Task DisposeAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        await _a.DisposeAsync();
        await _m.DisposeAsync();
    }

    public void Dispose()
    {
        _bobIdentity.Dispose();
        _profile.Dispose();
    }

    private static WebDriverWait Wait(IWebDriver browser)
    {
        var wait = new WebDriverWait(browser, Patience) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        return wait;
    }

    private static void Type(ChromeDriver browser, string id, string text)
    {
        var input = browser.FindElement(By.Id(id));
        input.Clear();
        input.SendKeys(text);
    }

    [BrowserFact]
    public async Task The_page_shows_where_a_message_waits_the_mailbox_status_and_changes_the_settings()
    {
        var bob = await TestNodes.StartAsync("bob", identity: _bobIdentity);
        await MailboxScene.BobUsesMAndLeavesAsync(_a.Node, _m, bob);
        var sent = await _a.Node.SendAsync(_bobIdentity.Id, "the spare key is in the drawer");
        await _a.Events.WaitFor<MessageHeldByMailbox>(h => h.MessageId == sent.MessageId, Patience);

        _browser = Chromium.Start(_profile.Path, 1280, 900, phone: false);
        _browser.Navigate().GoToUrl(_a.Web.LocalLink);
        var wait = Wait(_browser);
        wait.Until(d => d.FindElement(By.Id("live")).GetAttribute("data-state") == "live");

        // In the conversation, the message's state says who holds it.
        wait.Until(d =>
        {
            var chat = d.FindElements(By.CssSelector("#conversations li[data-conversation] button")).FirstOrDefault(b => b.Text.Contains("bob"));
            chat?.Click();
            return chat is not null;
        });
        wait.Until(d => d.FindElements(By.CssSelector("#messages .msg.out .state")).Any(s => s.Text.Contains("for bob: held by mailbox m")));

        // The Mailboxes page: the waiting message, then the settings, each answered by the status.
        _browser.FindElement(By.CssSelector("#tabs button[data-view=mailboxes]")).Click();
        wait.Until(d => d.FindElements(By.CssSelector("#outbox .card")).Any(c =>
            c.Text.Contains("the spare key is in the drawer") && c.Text.Contains("for bob: held by mailbox m")));
        wait.Until(d => d.FindElement(By.Id("mailboxes-used")).Text.Contains("None"));

        Type(_browser, "use-mailbox-peer", _m.Identity.Id.ToString());
        _browser.FindElement(By.CssSelector("#use-mailbox button")).Click();
        wait.Until(d => d.FindElement(By.Id("mailboxes-used")).Text.Contains(_m.Identity.Id.Short, StringComparison.Ordinal));
        Assert.Equal(_m.Identity.Id, Assert.Single(_a.Node.Mailboxes.Used()).Mailbox);
        // M answers Alice's node (it has not agreed to hold her mail); the page shows it once reloaded.
        await Eventually.HoldsAsync(() => _a.Node.Mailboxes.Used().Single().LastState == ServeState.Pending, "M answers Alice", Patience);
        _browser.FindElement(By.CssSelector("#tabs button[data-view=groups]")).Click();
        _browser.FindElement(By.CssSelector("#tabs button[data-view=mailboxes]")).Click();
        wait.Until(d => d.FindElement(By.Id("mailboxes-used")).Text.Contains("asked; its user has not agreed yet"));

        Type(_browser, "serve-peer", _bobIdentity.Id.ToString());
        Type(_browser, "serve-count", "50");
        _browser.FindElement(By.CssSelector("#serve-mailbox button")).Click();
        wait.Until(d => d.FindElement(By.Id("mailboxes-served")).Text.Contains("agreed; has not asked yet · 0/50 envelopes"));
        Assert.Equal(50, Assert.Single(_a.Node.Mailboxes.Served()).Quota.MaxEnvelopes);

        // A peer the node refuses to serve (a stranger) is reported, and nothing changes.
        using var stranger = NodeIdentity.CreateEphemeral();
        Type(_browser, "serve-peer", stranger.Id.ToString());
        _browser.FindElement(By.CssSelector("#serve-mailbox button")).Click();
        wait.Until(d => d.FindElements(By.CssSelector("#toasts .toast.error")).Any(t => t.Text.Contains("not a trusted contact")));
        Assert.Equal(_bobIdentity.Id, Assert.Single(_a.Node.Mailboxes.Served()).Recipient);
    }
}
