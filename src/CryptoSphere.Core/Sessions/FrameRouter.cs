using System.Buffers;
using CryptoSphere.Core.Secure;

namespace CryptoSphere.Core.Sessions;

/// <summary>
/// Hands each frame above the session level (chat, acks, files, groups, peer exchange) to the one feature that
/// registered its type. Types nobody handles are skipped: a newer peer may send what this version does not know.
/// </summary>
internal sealed class FrameRouter
{
    public delegate ValueTask Handler(SecureSession session, ReadOnlySequence<byte> body);

    private readonly Handler?[] _handlers = new Handler?[256];

    /// <summary>HELLO capability bits of the features this node implements (Secure/Capabilities.cs).</summary>
    public uint Capabilities { get; private set; }

    /// <summary>Announces a feature in our HELLO.</summary>
    public void Advertise(uint capability) => Capabilities |= capability;

    /// <summary>Registers the handler of one frame type; each type has one owner.</summary>
    public void Handle(FrameType type, Handler handler)
    {
        if (_handlers[(byte)type] is not null)
            throw new InvalidOperationException($"frame type {type} already has a handler");
        _handlers[(byte)type] = handler;
    }

    public ValueTask RouteAsync(SecureSession session, FrameType type, ReadOnlySequence<byte> body) =>
        _handlers[(byte)type] is { } handler ? handler(session, body) : ValueTask.CompletedTask;
}
