using System.Buffers;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Queues frames on one peer's connection (the node passes its session's send). The mailbox code stays
/// unaware of sessions, so it runs the same in the node and over a bare connection in tests.
/// </summary>
internal delegate ValueTask FrameSender(Action<IBufferWriter<byte>> encode);
