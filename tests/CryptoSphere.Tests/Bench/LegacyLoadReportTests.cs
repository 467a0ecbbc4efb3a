using CryptoSphere.Bench;

namespace CryptoSphere.Tests.Bench;

/// <summary>The bench's reading of the C load generator's report: every count kept, and a report that is cut short or
/// does not add up is an error rather than a run without losses.</summary>
public sealed class LegacyLoadReportTests
{
    private static readonly string[] Whole =
    [
        "ready",
        "sender index=0 sent=3 seq_sum=3 refused=1 closed_unread=1 unread_seq_sum=2 connect_failures=0 write_failures=0",
        "sender index=1 sent=2 seq_sum=1 refused=0 closed_unread=0 unread_seq_sum=0 connect_failures=4 write_failures=5",
        "error index=1 connect: Cannot assign requested address",
        "end senders=2 attempts=14 sent=5 read=4 unanswered=6 hung=1 drained=0 seconds=3.000512 cpu_seconds=1.250",
    ];

    [Fact]
    public void EveryCountOfAWholeReportIsKept()
    {
        var report = LegacyLoadReport.Parse(Whole);

        Assert.Equal(2, report.Senders.Length);
        Assert.Equal(new SenderTally(3, 3, 1, 1, 2, 0, 0, null), report.Senders[0]);
        Assert.Equal(new SenderTally(2, 1, 0, 0, 0, 4, 5, "connect: Cannot assign requested address"), report.Senders[1]);
        Assert.Equal(2, report.Senders[0].Read);
        Assert.Equal(1, report.Senders[0].ReadSeqSum);
        Assert.Equal((14L, 6L, 1, false), (report.Attempts, report.Unanswered, report.Hung, report.Drained));
        Assert.Equal(3.000512, report.Seconds);
        Assert.Equal(1.25, report.CpuSeconds);
    }

    [Fact]
    public void AReportWithoutItsEndLineIsAnError()
    {
        var error = Assert.Throws<FormatException>(() => LegacyLoadReport.Parse(Whole[..^1]));
        Assert.Contains("no 'end' line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingSenderIsAnError()
    {
        var error = Assert.Throws<FormatException>(() => LegacyLoadReport.Parse(Whole.Where(l => !l.StartsWith("sender index=1", StringComparison.Ordinal))));
        Assert.Contains("1 of its 2 senders", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATotalThatDoesNotMatchTheSendersIsAnError()
    {
        var lines = Whole.Select(l => l.Replace("sent=5 ", "sent=6 ", StringComparison.Ordinal));
        Assert.Throws<FormatException>(() => LegacyLoadReport.Parse(lines));
    }

    [Theory]
    [InlineData("sender index=0 sent=3 seq_sum=3 refused=1 closed_unread=1 unread_seq_sum=2 connect_failures=0")] // a count missing
    [InlineData("sender index=0 sent=-3 seq_sum=3 refused=1 closed_unread=1 unread_seq_sum=2 connect_failures=0 write_failures=0")]
    [InlineData("sender index=0 sent=3 seq_sum=3 refused=1 closed_unread=1 unread_seq_sum=2 connect_failures=0 write_failures")]
    [InlineData("Segmentation fault")]
    public void AMalformedLineIsAnError(string line)
    {
        var lines = Whole.Select(l => l.StartsWith("sender index=0", StringComparison.Ordinal) ? line : l);
        Assert.Throws<FormatException>(() => LegacyLoadReport.Parse(lines));
    }
}
