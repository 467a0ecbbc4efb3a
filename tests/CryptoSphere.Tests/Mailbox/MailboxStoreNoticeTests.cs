using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// What the mailbox store says beyond yes or no (hunt C, C6 and C10): which reason refused <c>mailbox use</c>, that
/// the list changed, and which dropped envelopes their senders must still be told about.
/// </summary>
public sealed class MailboxStoreNoticeTests : IDisposable
{
    private readonly MailboxParty _alice = new();
    private readonly MailboxParty _bob = new();
    private readonly HashSet<PeerId> _trusted = [];
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));
    private readonly TempDirectory _data = new();
    private readonly MailboxStore _store;

    public MailboxStoreNoticeTests()
    {
        _trusted.Add(_alice.Id);
        _trusted.Add(_bob.Id);
        _store = MailboxStore.Open(_data.Path, id => _trusted.Contains(id), _clock);
    }

    public void Dispose()
    {
        _store.Dispose();
        _data.Dispose();
        _alice.Dispose();
        _bob.Dispose();
    }

    [Fact]
    public void TryUse_SaysAddedAlreadyNotTrustedOrFull_AndOnlyChangesRaiseUsedChanged()
    {
        var changes = 0;
        _store.UsedChanged += () => changes++;

        Assert.Equal(UseOutcome.NotTrusted, _store.TryUse(NodeIdentity.CreateEphemeral().Id));
        Assert.Equal(UseOutcome.Added, _store.TryUse(_bob.Id));
        Assert.Equal(UseOutcome.AlreadyUsed, _store.TryUse(_bob.Id));
        Assert.Equal(1, changes);
        for (var i = 1; i < MailboxStore.MaxUsed; i++)
        {
            var id = NodeIdentity.CreateEphemeral().Id;
            _trusted.Add(id);
            Assert.Equal(UseOutcome.Added, _store.TryUse(id));
        }
        var ninth = NodeIdentity.CreateEphemeral().Id;
        _trusted.Add(ninth);
        Assert.Equal(UseOutcome.Full, _store.TryUse(ninth));
        Assert.Equal(UseOutcome.AlreadyUsed, _store.TryUse(_bob.Id));
        Assert.True(_store.StopUsing(_bob.Id));
        Assert.False(_store.StopUsing(_bob.Id));
        Assert.Equal(MailboxStore.MaxUsed + 1, changes);
    }

    [Fact]
    public void EnvelopesDroppedWithoutAReceipt_LeaveANoticeForTheirSender_UntilForgotten()
    {
        var dropped = 0;
        _store.EnvelopesDropped += () => dropped++;
        Assert.True(_store.Serve(_bob.Id, MailboxQuota.Default with { Expiry = TimeSpan.FromHours(1) }));
        Assert.Equal(ServeState.Serving, _store.Request(_bob.Id, wants: true));
        var first = _alice.SealTo(_bob, "first");
        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, first.Encoded.Span));

        // Expiry drops it: Alice is owed a notice.
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, _store.Sweep());
        Assert.Equal([_alice.Id], _store.DroppedSenders());
        Assert.Equal([first.Id], _store.DroppedFor(_alice.Id));

        // Stopping serving Bob drops what is left: another notice.
        var second = _alice.SealTo(_bob, "second");
        Assert.Equal(PutOutcome.Held, _store.Put(_alice.Id, second.Encoded.Span));
        Assert.Equal(1, _store.StopServing(_bob.Id));
        Assert.Equal(2, dropped);
        Assert.Equal(new[] { first.Id, second.Id }.Order(), _store.DroppedFor(_alice.Id).Order());
        Assert.Empty(_store.DroppedFor(_bob.Id));

        Assert.True(_store.ForgetDropped(_alice.Id, first.Id));
        Assert.True(_store.ForgetDropped(_alice.Id, second.Id));
        Assert.Empty(_store.DroppedSenders());
    }
}
