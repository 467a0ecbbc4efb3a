namespace CryptoSphere.Tests.Support;

/// <summary>Bounded polling for state that has no event of its own.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? EventWaiter.DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not true within {limit.TotalSeconds:0.#} s: {what}");
            await Task.Delay(20);
        }
    }
}
