using CryptoSphere.Core.Mailbox;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>The recipient's signed list of its mailboxes, which senders learn from it and nobody else.</summary>
public sealed class MailboxDirectoryTests : IDisposable
{
    private readonly MailboxParty _bob = new();
    private readonly MailboxParty _mailbox = new();
    private readonly MailboxParty _mallory = new();

    public void Dispose()
    {
        _bob.Dispose();
        _mailbox.Dispose();
        _mallory.Dispose();
    }

    [Fact]
    public void Directory_RoundTrips_AndVerifiesOnlyForItsOwner()
    {
        var created = MailboxDirectory.Create(_bob.Identity, [new MailboxEntry(_mailbox.Id, "192.168.1.9:40000"), new MailboxEntry(_mallory.Id, null)]);

        var decoded = MailboxDirectory.Decode(created.Encoded.Span);

        decoded.Verify(_bob.Id);
        Assert.Equal(created.Entries, decoded.Entries);
        Assert.Equal(created.IssuedAt, decoded.IssuedAt);
        Assert.Throws<EnvelopeException>(() => decoded.Verify(_mallory.Id));
    }

    [Fact]
    public void Directory_WithAnyByteChanged_IsRefused()
    {
        var encoded = MailboxDirectory.Create(_bob.Identity, [new MailboxEntry(_mailbox.Id, "host:1")]).Encoded.ToArray();

        for (var i = 0; i < encoded.Length; i++)
        {
            var tampered = (byte[])encoded.Clone();
            tampered[i] ^= 0x10;
            Assert.Throws<EnvelopeException>(() => MailboxDirectory.Decode(tampered).Verify(_bob.Id));
        }
    }

    [Fact]
    public void Directory_CapsEntriesAndAddressHints()
    {
        var tooMany = Enumerable.Repeat(new MailboxEntry(_mailbox.Id, null), MailboxDirectory.MaxEntries + 1);
        var longHint = MailboxDirectory.Create(_bob.Identity, [new MailboxEntry(_mailbox.Id, new string('é', 80))]);

        Assert.Throws<ArgumentException>(() => MailboxDirectory.Create(_bob.Identity, tooMany));
        Assert.Equal(new string('é', 50), Assert.Single(longHint.Entries).AddressHint);
    }
}
