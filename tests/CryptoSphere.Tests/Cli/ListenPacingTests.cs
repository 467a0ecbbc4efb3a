using System.Diagnostics;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Cli;

/// <summary>
/// The pacing of strangers (issue 12) as users run it: the <c>listen</c> process with its database on disk. An
/// in-process node paced while this process once did not, so the product path is tested on its own.
/// </summary>
public sealed class ListenPacingTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_stranger_flooding_the_listen_process_is_acknowledged_no_faster_than_its_pace()
    {
        const int rate = 5;
        const int sent = 200;
        var port = TestNodes.DeadPort();
        await using var listen = CliProcess.Start("listen", "--data-dir", _data.Path, "--name", "target", "--port", port.ToString(),
            "--bind", "127.0.0.1", "--advertise-ip", "127.0.0.1", "--json", "--stranger-rate", rate.ToString());
        await listen.Stdout.WaitForAsync("\"node_started\"", timeout: Patience);

        await using var stranger = await RawSecurePeer.ConnectAsync(port);
        await stranger.SendHelloAsync(1, "stranger");
        var clock = Stopwatch.StartNew();
        var flood = Task.Run(async () =>
        {
            for (var i = 0; i < sent; i++)
                await stranger.SendChatAsync(ChatMessage.Create($"flood {i}"));
        });

        // Acknowledgements follow the commit, which follows the pace: in t seconds at most a burst of `rate`
        // plus `rate` a second. An unpaced node acknowledges all 200 well within the window. Reading goes on past the
        // window until the first burst's worth has come (however slow the machine, within Patience a frame): the bound
        // is checked against the time actually taken, so reading longer cannot make it pass or fail wrongly.
        var acked = 0;
        var window = TimeSpan.FromSeconds(4);
        while (clock.Elapsed < window || acked < rate)
        {
            var frame = await stranger.ReadFrameAsync(Patience);
            Assert.NotNull(frame);
            if (frame.Value.Type == FrameType.Ack)
                acked++;
            if (acked > rate * 2 + rate * window.TotalSeconds)
                break;
        }
        var allowed = rate + rate * clock.Elapsed.TotalSeconds + 1;
        Assert.True(acked <= allowed, $"{acked} of {sent} acknowledged in {clock.Elapsed.TotalSeconds:0.0} s; the pace allows {allowed:0}");
        Assert.True(acked >= rate, $"only {acked} acknowledged in {clock.Elapsed.TotalSeconds:0.0} s: the stranger was not served at all");
        await flood;
    }
}
