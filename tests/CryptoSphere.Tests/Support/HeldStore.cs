using CryptoSphere.Core.Storage;

namespace CryptoSphere.Tests.Support;

/// <summary>
/// Holds a store's lock from another thread until disposed, so its writers wait mid-batch and what is queued
/// meanwhile can be seen (and batched) deterministically, without timing.
/// </summary>
public sealed class HeldStore : IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private readonly Task _holder;

    private HeldStore(ChatStore store, TaskCompletionSource held) =>
        _holder = Task.Run(() => store.Locked(_ =>
        {
            held.SetResult();
            _release.Wait(EventWaiter.DefaultTimeout);
        }));

    public static async Task<HeldStore> HoldAsync(ChatStore store)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lockHolder = new HeldStore(store, held);
        await held.Task.WaitAsync(EventWaiter.DefaultTimeout);
        return lockHolder;
    }

    public void Dispose()
    {
        _release.Set();
        _holder.Wait(EventWaiter.DefaultTimeout);
        _release.Dispose();
    }
}
