using CryptoSphere.Core.Node;
using CryptoSphere.Tests.Support;
using CryptoSphere.Web.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace CryptoSphere.Web.Tests.Browser;

/// <summary>
/// End to end in headless Chromium: the page of node A, opened with its link, chatting with node B
/// (a plain node in the test). Every wait is on a condition in the page, bounded, never a sleep.
/// </summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _profile = new();
    private WebNode _a = null!;
    private ChatNode _b = null!;
    private EventWaiter _bEvents = null!;
    private ChromeDriver? _browser;

    public async Task InitializeAsync()
    {
        _a = await WebNode.StartAsync("alice");
        _bEvents = new EventWaiter();
        _b = await TestNodes.StartAsync("bob", _bEvents);
    }

    public async Task DisposeAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        await _a.DisposeAsync();
        _bEvents.Dispose();
        await _b.DisposeAsync();
        _profile.Dispose();
    }

    private ChromeDriver Open(int width, int height, bool phone = false, WebNode? node = null)
    {
        _browser = Chromium.Start(_profile.Path, width, height, phone);
        _browser.Navigate().GoToUrl((node ?? _a).Web.LocalLink);
        return _browser;
    }

    // Finds and clicks in one step, again if the list was redrawn in between (a stale element).
    private static void Click(WebDriverWait wait, By by, Func<IWebElement, bool>? which = null) =>
        wait.Until(d =>
        {
            var element = d.FindElements(by).FirstOrDefault(e => which?.Invoke(e) ?? true);
            if (element is null)
                return false;
            element.Click();
            return true;
        });

    private static WebDriverWait Wait(IWebDriver browser)
    {
        var wait = new WebDriverWait(browser, Patience) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        // Lists are redrawn when live events arrive; an element found a moment ago may be gone.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        return wait;
    }

    private static List<string> MessageTexts(IWebDriver browser) =>
        browser.FindElements(By.CssSelector("#messages .msg .text")).Select(e => e.GetDomProperty("textContent") ?? "").ToList();

    [BrowserFact]
    public async Task Send_to_a_second_node_see_its_reply_live_and_HTML_shown_as_text()
    {
        var browser = Open(1280, 800);
        var wait = Wait(browser);

        // The link was swapped for a cookie: the page loaded and the token left the address bar.
        wait.Until(d => d.FindElement(By.Id("me-summary")).Text.Contains("alice"));
        Assert.Equal(_a.Url.ToString(), browser.Url);
        wait.Until(d => d.FindElement(By.Id("live")).GetAttribute("data-state") == "live");

        var to = browser.FindElement(By.Id("new-chat-to"));
        to.SendKeys($"127.0.0.1:{_b.Port}");
        to.SendKeys(Keys.Enter);
        var box = browser.FindElement(By.Id("send-text"));
        wait.Until(_ => box.Enabled);
        box.SendKeys("Hello Bob, this is Alice's browser");
        browser.FindElement(By.Id("send-button")).Click();

        var received = await _bEvents.WaitFor<MessageReceived>(m => m.Text == "Hello Bob, this is Alice's browser", Patience);
        Assert.Equal(_a.Node.Identity.Id, received.PeerId);
        // Delivery state, live: the acknowledgement reaches the page without a reload.
        wait.Until(d => d.FindElements(By.CssSelector("#messages .msg.out .state")).Any(s => s.Text == "delivered"));

        // Anything a reload would lose; it must survive until the end.
        browser.ExecuteScript("window.stillTheSamePage = 'yes';");

        var reply = await _b.SendAsync(_a.Node.Identity.Id, "Hi Alice! Bob here.");
        Assert.True(reply.Success, reply.Error);
        wait.Until(d => MessageTexts(d).Contains("Hi Alice! Bob here."));

        const string html = "<img src=x onerror=alert(1)><b>bold</b>";
        var hostile = await _b.SendAsync(_a.Node.Identity.Id, html);
        Assert.True(hostile.Success, hostile.Error);
        wait.Until(d => MessageTexts(d).Contains(html));

        Assert.Empty(browser.FindElements(By.CssSelector("#messages b, #messages img, #messages script")));
        Assert.Throws<NoAlertPresentException>(() => browser.SwitchTo().Alert());
        var visible = browser.FindElements(By.CssSelector("#messages .msg.in .text")).Last().Text;
        Assert.Equal(html, visible);
        Assert.Equal("yes", browser.ExecuteScript("return window.stillTheSamePage;"));
        Assert.Equal("bob", browser.FindElement(By.Id("conversation-title")).Text);

        Screenshots.Save(browser, "web-ui.png");
    }

    [BrowserFact]
    public async Task On_a_phone_screen_the_list_and_the_conversation_take_turns()
    {
        var sent = await _b.SendAsync(TestNodes.KeyOf(_a.Node), "Are you on your phone?");
        Assert.True(sent.Success, sent.Error);
        await _a.Events.WaitFor<MessageReceived>();

        var browser = Open(390, 844, phone: true);
        var wait = Wait(browser);
        wait.Until(d => d.FindElement(By.CssSelector("#conversations li[data-conversation] button")));
        Assert.False(browser.FindElement(By.Id("conversation")).Displayed);

        Click(wait, By.CssSelector("#conversations li[data-conversation] button"));
        wait.Until(d => MessageTexts(d).Contains("Are you on your phone?"));
        Assert.True(browser.FindElement(By.Id("conversation")).Displayed);
        Assert.False(browser.FindElement(By.Id("new-chat-to")).Displayed);
        // One column: the message list is as wide as the screen, not squeezed beside the list.
        Assert.Equal(390L, Convert.ToInt64(browser.ExecuteScript("return window.innerWidth;")));
        Assert.True(browser.FindElement(By.Id("messages")).Size.Width > 350);

        var box = browser.FindElement(By.Id("send-text"));
        box.SendKeys("Yes, from the phone");
        box.SendKeys(Keys.Enter);
        await _bEvents.WaitFor<MessageReceived>(m => m.Text == "Yes, from the phone", Patience);
        Screenshots.Save(browser, "web-ui-phone.png");

        browser.FindElement(By.Id("back")).Click();
        wait.Until(d => d.FindElement(By.Id("new-chat-to")).Displayed);
    }

    [BrowserFact]
    public void The_pages_show_peers_contacts_and_the_ID_with_its_QR_code()
    {
        var browser = Open(1280, 800);
        var wait = Wait(browser);
        wait.Until(d => d.FindElement(By.Id("live")).GetAttribute("data-state") == "live");

        browser.FindElement(By.CssSelector("#tabs button[data-view=me]")).Click();
        wait.Until(d => d.FindElement(By.Id("me-id")).Text == _a.Node.Identity.Id.ToString());
        var qr = browser.FindElement(By.Id("me-qr"));
        wait.Until(_ => Convert.ToInt64(browser.ExecuteScript("return arguments[0].naturalWidth;", qr)) > 0);
        // The invite link as text and as an SVG QR code, drawn under the page's content security policy.
        wait.Until(d => d.FindElement(By.Id("me-invite")).Text == _a.Node.Invite.ToString());
        var inviteQr = browser.FindElement(By.Id("invite-qr"));
        wait.Until(_ => Convert.ToInt64(browser.ExecuteScript("return arguments[0].naturalWidth;", inviteQr)) > 0);

        browser.FindElement(By.CssSelector("#tabs button[data-view=peers]")).Click();
        wait.Until(d => d.FindElement(By.Id("peers")).Text.Contains("No active peers"));

        // A peer coming along shows up on the open page by itself.
        _ = _b.SendAsync(TestNodes.KeyOf(_a.Node), "hello");
        wait.Until(d => d.FindElements(By.CssSelector("#peers .card")).Any(c =>
            c.Text.Contains("bob") && c.Text.Contains(_b.Identity.Id.Short) && c.Text.Contains("unverified")
            && c.Text.Contains(" · LAN"))); // how it is reached: on this machine's own network

        browser.FindElement(By.CssSelector("#tabs button[data-view=contacts]")).Click();
        Click(wait, By.CssSelector("#contacts .card button"), b => b.Text == "Trust");
        wait.Until(d => d.FindElement(By.CssSelector("#contacts .card .badge")).Text == "verified");
    }

    [BrowserFact]
    public async Task Scrolling_up_loads_older_history_from_the_store()
    {
        // More than two pages (50 each) of history before the page opens.
        const int count = 120;
        for (var i = 1; i <= count; i++)
        {
            var sent = await _b.SendAsync(TestNodes.KeyOf(_a.Node), $"old message {i}");
            Assert.True(sent.Success, sent.Error);
        }
        await _a.Events.WaitFor<MessageReceived>(m => m.Text == $"old message {count}", Patience);

        var browser = Open(1280, 800);
        var wait = Wait(browser);
        Click(wait, By.CssSelector("#conversations li[data-conversation] button"));
        wait.Until(d => MessageTexts(d).Contains($"old message {count}"));
        Assert.DoesNotContain("old message 1", MessageTexts(browser));

        // Each scroll to the top asks for the page before; the oldest message arrives in the end, in order.
        wait.Until(d =>
        {
            ((IJavaScriptExecutor)d).ExecuteScript("document.getElementById('messages').scrollTop = 0;");
            return MessageTexts(d).Contains("old message 1");
        });
        var texts = MessageTexts(browser);
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"old message {i}"), texts);
    }

    [BrowserFact]
    public async Task An_incoming_file_offer_is_accepted_on_the_page_and_its_progress_ends_verified()
    {
        using var dir = new TempDirectory();
        // A node of its own, with a downloads folder (the shared one keeps everything in memory).
        await using var receiver = await WebNode.StartAsync("carol", o => o with { DownloadsDirectory = dir.Combine("downloads") });
        var path = dir.Combine("holiday.jpg");
        var bytes = new byte[2_000_000];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);

        var browser = Open(1280, 800, node: receiver);
        var wait = Wait(browser);
        browser.FindElement(By.CssSelector("#tabs button[data-view=files]")).Click();
        var offer = await _b.OfferFileAsync(TestNodes.KeyOf(receiver.Node), path);
        Assert.True(offer.Success, offer.Error);

        // The offer appears by itself; nothing is written before the user says yes.
        Click(wait, By.CssSelector("#transfers .card button"), b => b.Text == "Accept");
        wait.Until(d => d.FindElements(By.CssSelector("#transfers .card .transfer-state")).Any(s => s.Text.StartsWith("completed")));
        var done = await receiver.Events.WaitFor<TransferCompleted>(c => c.Transfer.Name == "holiday.jpg", Patience);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(done.Transfer.Path));
        // Events reach the page as they come; a late one may redraw the card under the reader, so read it until it settles.
        wait.Until(d => d.FindElement(By.CssSelector("#transfers .card progress")).GetAttribute("value") == "100");
    }
}
