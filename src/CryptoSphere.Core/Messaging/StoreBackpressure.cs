using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Messaging;

internal static class StoreBackpressure
{
    /// <summary>
    /// Takes one of the session's slots for messages read and not yet committed (released by the store's
    /// callback). A store that cannot keep up for this long is broken (disk full): the connection is dropped
    /// rather than hung.
    /// </summary>
    public static async Task WaitForStoreAsync(this SecureSession session)
    {
        if (!await session.Unstored.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
            throw new IOException("the message store did not keep up for 30 s");
    }
}
