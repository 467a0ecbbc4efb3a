using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Files;

/// <summary>
/// The answer to an offer of a transfer that already ended here (the sender restarted or missed the end): the
/// same result, decline or cancel it would have got, so the sender stops offering it.
/// </summary>
internal static class FinishedTransferReply
{
    /// <summary>Tells the sender how a transfer it still offers ended here.</summary>
    public static async Task SendAsync(SecureSession session, TransferInfo finished)
    {
        try
        {
            switch (finished.State)
            {
                case TransferState.Completed:
                    await session.SendAsync(new FileResultMessage(finished.Id, FileResultStatus.Ok, ""), static (m, w) => m.Encode(w)).ConfigureAwait(false);
                    break;
                case TransferState.Declined:
                    await session.SendAsync(new FileDeclineMessage(finished.Id, DeclineReason.Declined, finished.Error ?? ""), static (m, w) => m.Encode(w))
                        .ConfigureAwait(false);
                    break;
                default:
                    // Not the stored error: that is the local user's, with local paths (the peer was told its own part when it ended).
                    await session.SendAsync(new FileCancelMessage(finished.Id, $"the transfer already ended here ({finished.State.ToString().ToLowerInvariant()})"),
                        static (m, w) => m.Encode(w)).ConfigureAwait(false);
                    break;
            }
        }
        catch (IOException)
        {
        }
    }
}
