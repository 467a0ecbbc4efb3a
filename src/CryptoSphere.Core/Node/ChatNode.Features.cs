using System.Buffers;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Node;

// Feature protocols (file transfer, peer exchange, groups) register a handler for their frame types here,
// each from its own file, so the session and the chat path stay unaware of them.
public sealed partial class ChatNode
{
    private readonly Dictionary<FrameType, Func<SecureSession, ReadOnlySequence<byte>, ValueTask>> _featureHandlers = new();

    // HELLO capability bits of the features this node implements (Secure/Capabilities.cs).
    private uint _capabilities;

    // Each feature file implements its own; the constructor calls them all (unimplemented ones compile away).
    partial void InitializeFileTransfer();

    partial void InitializePeerExchange();

    partial void InitializeGroups();

    private void InitializeFeatures()
    {
        InitializeFileTransfer();
        InitializePeerExchange();
        InitializeGroups();
    }

    /// <summary>Announces a feature in our HELLO; called from a feature's Initialize method.</summary>
    private void Advertise(uint capability) => _capabilities |= capability;

    /// <summary>Registers the handler of one frame type; called from a feature's Initialize method.</summary>
    private void Handle(FrameType type, Func<SecureSession, ReadOnlySequence<byte>, ValueTask> handler) =>
        _featureHandlers.Add(type, handler);

    private ValueTask OnFeatureFrameAsync(SecureSession session, FrameType type, ReadOnlySequence<byte> body) =>
        _featureHandlers.TryGetValue(type, out var handler) ? handler(session, body) : ValueTask.CompletedTask;
}
