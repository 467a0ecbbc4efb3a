using CryptoSphere.Bench;

namespace CryptoSphere.Tests.Bench;

/// <summary>The legacy bench's reading of the kernel's TIME_WAIT count (it waits for it to drain before each run).</summary>
public sealed class TimeWaitSocketsTests
{
    [Fact]
    public void The_count_is_the_tw_field_of_the_TCP_line()
    {
        const string sockstat = """
            sockets: used 8
            TCP: inuse 12 orphan 0 tw 87410 alloc 14 mem 23
            UDP: inuse 0 mem 0
            """;

        Assert.Equal(87_410, TimeWaitSockets.Parse(sockstat));
    }

    [Theory]
    [InlineData("TCP6: inuse 3\nUDP6: inuse 0\n")]
    [InlineData("TCP: inuse 1 orphan 0 tw\n")]
    [InlineData("")]
    public void A_file_without_a_count_reads_as_none(string sockstat) => Assert.Equal(0, TimeWaitSockets.Parse(sockstat));
}
