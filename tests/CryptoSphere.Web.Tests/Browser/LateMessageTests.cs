using CryptoSphere.Core.Conversations;
using CryptoSphere.Core.Node;
using CryptoSphere.Core.Peers;
using CryptoSphere.Core.Storage;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace CryptoSphere.Web.Tests.Browser;

/// <summary>
/// A message a mailbox handed over after newer ones were shown is marked on the page as the terminal marks it. How
/// it comes to arrive late (a mailbox that withheld it) is MailboxNodeTests' part; here the message is stored as the
/// mailbox feature stores it and its event raised as that feature raises it.
/// </summary>
public sealed class LateMessageTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _profile = new();
    private WebNode _a = null!;
    private ChatNode _b = null!;
    private ChromeDriver? _browser;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _b = await TestNodes.StartAsync("bob");
    }

    public async Task DisposeAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _profile.Dispose();
    }

    [BrowserFact]
    public async Task A_message_that_arrived_late_says_so_and_one_that_came_in_order_does_not()
    {
        var onTime = await _b.SendAsync(TestNodes.KeyOf(_a.Node), "<b>on time</b>");
        Assert.True(onTime.Success, onTime.Error);
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == "<b>on time</b>", Patience);

        _browser = Chromium.Start(_profile.Path, 1280, 800, false);
        _browser.Navigate().GoToUrl(_a.Web.LocalLink);
        var wait = new WebDriverWait(_browser, Patience) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        wait.Until(d => d.FindElement(By.Id("live")).GetAttribute("data-state") == "live");
        wait.Until(d =>
        {
            var open = d.FindElements(By.CssSelector("#conversations li[data-conversation] button")).FirstOrDefault();
            open?.Click();
            return open is not null;
        });
        wait.Until(d => d.FindElements(By.CssSelector($"#messages li[data-id='{onTime.MessageId}']")).Count == 1);

        // An older message of Bob's, taken from his mailbox after the one above was shown.
        var bob = _b.Identity.Id;
        var id = Guid.CreateVersion7();
        var sentAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        const string text = "<i>sent earlier</i>";
        Assert.True(await _a.Node.Store.AppendReceivedAsync(new StoredMessage(id, ConversationId.Peer(bob).ToString(), false, bob.Value,
            "mailbox m", "bob", text, PeerProtocol.Secure, sentAt, DateTimeOffset.UtcNow, MessageState.Received)));
        _a.Node.PublishForTests(new MessageReceived(DateTimeOffset.UtcNow, default, "bob", text, PeerProtocol.Secure, bob, id, sentAt)
        {
            ArrivedLate = true,
        });

        wait.Until(d => d.FindElements(By.CssSelector($"#messages li[data-id='{id}']")).Count == 1);
        var late = wait.Until(d => d.FindElements(By.CssSelector($"#messages li[data-id='{id}'] .late")).SingleOrDefault());
        Assert.Equal("arrived late: sent before messages already shown", late.Text);
        Assert.Equal(text, _browser.FindElement(By.CssSelector($"#messages li[data-id='{id}'] .text")).Text);
        Assert.Empty(_browser.FindElements(By.CssSelector($"#messages li[data-id='{onTime.MessageId}'] .late")));
    }
}
