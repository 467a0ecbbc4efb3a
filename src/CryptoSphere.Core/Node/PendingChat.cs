using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Node;

/// <summary>A secure message sent and not yet acknowledged; resent when its connection is replaced.</summary>
internal sealed class PendingChat(PeerId to, ChatMessage message, SecureSession sentOn)
{
    public PeerId To { get; } = to;
    public ChatMessage Message { get; } = message;
    public SecureSession SentOn { get; set; } = sentOn;
    public TaskCompletionSource Delivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
