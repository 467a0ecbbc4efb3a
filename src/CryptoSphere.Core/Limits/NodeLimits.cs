using CryptoSphere.Core.Node;
using CryptoSphere.Core.Storage;

namespace CryptoSphere.Core.Limits;

/// <summary>The node's budgets, built from its options in one place.</summary>
internal static class NodeLimits
{
    public static ReceiveLimits ReceiveLimitsOf(NodeOptions options) =>
        new(options.MaxUnstoredBytesPerPeer, options.MaxUnstoredBytes, options.MaxUnstoredMessagesPerPeer, options.MaxPendingAcksPerPeer,
            options.MaxPendingAcks, options.MaxPartialFrameBytesPerAddress, options.MaxPartialFrameBytes)
        {
            PartialFrameDeadline = options.PartialFrameDeadline,
        };

    public static StorageQuota QuotaOf(NodeOptions options) =>
        new(options.MaxStoredBytesPerStranger, options.MaxStoredBytesPerTrustedPeer);
}
