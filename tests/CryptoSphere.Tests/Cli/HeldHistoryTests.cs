using CryptoSphere.Core.Node;
using CryptoSphere.Core.Secure;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// A contact request's messages (held under <c>--accept trusted</c>) in text <c>history</c> and <c>search</c>: marked as
/// waiting for a decision, so they do not read as accepted ones; once the peer is trusted, plain received messages.
/// </summary>
public sealed class HeldHistoryTests : IDisposable
{
    private readonly TempDirectory _target = new();
    private readonly TempDirectory _stranger = new();

    public void Dispose()
    {
        _target.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public async Task A_held_message_is_marked_in_history_and_search_until_its_sender_is_trusted()
    {
        const string Marker = "[contact request: waiting for your decision]";
        string strangerId;
        await using (var target = await StoredNode.StartAsync("target", _target.Path, configure: o => o with { Accept = AcceptPolicy.Trusted }))
        await using (var stranger = await StoredNode.StartAsync("stranger", _stranger.Path))
        {
            strangerId = stranger.Identity.Id.ToString();
            var sent = await stranger.Node.SendAsync(target.Key, "please let me in, zebra");
            await stranger.Events.WaitFor<MessageDelivered>(d => d.MessageId == sent.MessageId);
            await target.Events.WaitFor<ContactRequestReceived>();
        }

        var history = await CliProcess.RunAsync("history", "--data-dir", _target.Path);
        var search = await CliProcess.RunAsync("search", "--data-dir", _target.Path, "zebra");
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("please let me in, zebra", Assert.Single(history.Stdout.Split('\n'), l => l.Contains(Marker)));
        Assert.Contains(Marker, search.Stdout);

        Assert.Equal(0, (await CliProcess.RunAsync("trust", "--data-dir", _target.Path, strangerId)).ExitCode);
        history = await CliProcess.RunAsync("history", "--data-dir", _target.Path);
        Assert.Contains("please let me in, zebra", history.Stdout);
        Assert.DoesNotContain(Marker, history.Stdout);
    }
}
