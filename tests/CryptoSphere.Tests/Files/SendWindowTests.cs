using CryptoSphere.Core.Files;

namespace CryptoSphere.Tests.Files;

/// <summary>The per-peer window: bytes in flight stay under the capacity; acknowledgements make room.</summary>
public sealed class SendWindowTests
{
    private static readonly Task Never = new TaskCompletionSource().Task;

    [Fact]
    public async Task A_full_window_waits_until_bytes_are_released()
    {
        var window = new SendWindow(100);
        await window.AcquireAsync(60, Never, CancellationToken.None);
        await window.AcquireAsync(40, Never, CancellationToken.None);

        var third = window.AcquireAsync(10, Never, CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        window.Release(5);
        Assert.False(third.IsCompleted); // 95 + 10 > 100: still waiting
        window.Release(5);
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task One_chunk_always_fits_an_empty_window()
    {
        var window = new SendWindow(10);
        await window.AcquireAsync(64, Never, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_wait_ends_when_the_connection_closes()
    {
        var window = new SendWindow(10);
        await window.AcquireAsync(10, Never, CancellationToken.None);
        var closed = new TaskCompletionSource();

        var waiting = window.AcquireAsync(1, closed.Task, CancellationToken.None).AsTask();
        closed.SetResult();

        await Assert.ThrowsAsync<IOException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
