using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>One node's keys for the mailbox tests: identity, agreement key, and an opener with its own dedupe memory.</summary>
internal sealed class MailboxParty : IDisposable
{
    public MailboxParty()
    {
        Identity = NodeIdentity.CreateEphemeral();
        Agreement = AgreementKey.CreateEphemeral(Identity);
        Opener = new EnvelopeOpener(Agreement, new SeenMessages());
    }

    public NodeIdentity Identity { get; }

    public AgreementKey Agreement { get; }

    public EnvelopeOpener Opener { get; }

    public PeerId Id => Identity.Id;

    public SealedEnvelope SealTo(MailboxParty recipient, string text) =>
        SealTo(recipient, EnvelopePayload.Direct(Guid.CreateVersion7(), DateTimeOffset.UtcNow, text));

    public SealedEnvelope SealTo(MailboxParty recipient, EnvelopePayload payload) =>
        EnvelopeSealer.Seal(Identity, recipient.Id, recipient.Agreement.Record, payload);

    public void Dispose()
    {
        Agreement.Dispose();
        Identity.Dispose();
    }
}
