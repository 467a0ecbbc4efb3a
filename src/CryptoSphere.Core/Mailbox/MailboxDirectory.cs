using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Secure.Messages;

namespace CryptoSphere.Core.Mailbox;

/// <summary>One mailbox a node names: its ID, and where it was last reached (a hint; the ID is what counts).</summary>
public sealed record MailboxEntry(PeerId Mailbox, string? AddressHint);

/// <summary>
/// A node's signed list of the mailboxes that hold its mail, so a sender learns them from the recipient
/// itself and no one else can add one. A newer <see cref="IssuedAt"/> replaces an older list. Layout: u8
/// version (1), u16 length + owner identity SubjectPublicKeyInfo, i64 issued (Unix ms), u8 count (at most
/// <see cref="MaxEntries"/>), per entry 32-byte mailbox ID + u8 length + UTF-8 address hint, then a 64-byte
/// signature over the context "CryptoSphere mailbox directory v1", a zero byte and all bytes before it.
/// </summary>
public sealed class MailboxDirectory
{
    public const byte Version = 1;
    public const int MaxEntries = MailboxStore.MaxUsed;
    public const int MaxAddressBytes = 100;
    public const int MaxEncodedBytes = 1 + 2 + IdentitySignature.MaxKeyBytes + 8 + 1 + MaxEntries * (PeerIdWire.Size + 1 + MaxAddressBytes) + IdentitySignature.Size;
    internal const string Context = "CryptoSphere mailbox directory v1";

    private readonly byte[] _encoded;
    private readonly byte[] _ownerKey;

    private MailboxDirectory(byte[] encoded, byte[] ownerKey, DateTimeOffset issuedAt, IReadOnlyList<MailboxEntry> entries)
    {
        _encoded = encoded;
        _ownerKey = ownerKey;
        Owner = PeerId.FromPublicKeyInfo(ownerKey);
        IssuedAt = issuedAt;
        Entries = entries;
    }

    public PeerId Owner { get; }

    public DateTimeOffset IssuedAt { get; }

    public IReadOnlyList<MailboxEntry> Entries { get; }

    public ReadOnlyMemory<byte> Encoded => _encoded;

    public static MailboxDirectory Create(NodeIdentity owner, IEnumerable<MailboxEntry> entries, TimeProvider? clock = null)
    {
        var list = entries.ToList();
        if (list.Count > MaxEntries)
            throw new ArgumentException($"at most {MaxEntries} mailboxes", nameof(entries));
        var writer = new WireWriter().Byte(Version).Short(IdentitySignature.PublicKeyOf(owner))
            .Time((clock ?? TimeProvider.System).GetUtcNow()).Byte((byte)list.Count);
        foreach (var entry in list)
        {
            var address = entry.AddressHint is null ? [] : WireText.Bounded(entry.AddressHint, MaxAddressBytes);
            writer.Bytes(PeerIdWire.ToBytes(entry.Mailbox)).Byte((byte)address.Length).Bytes(address);
        }
        writer.Bytes(IdentitySignature.Sign(owner, Context, writer.Written));
        return Decode(writer.ToArray());
    }

    public static MailboxDirectory Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > MaxEncodedBytes)
            throw new EnvelopeException("mailbox directory too long");
        var reader = new WireReader(encoded, "mailbox directory");
        if (reader.Byte("version") != Version)
            throw new EnvelopeException("mailbox directory: unknown version");
        var key = reader.Short("owner key", 1, IdentitySignature.MaxKeyBytes).ToArray();
        var issued = reader.Time("issued time");
        var count = reader.Byte("count");
        if (count > MaxEntries)
            throw new EnvelopeException($"mailbox directory names {count} mailboxes, at most {MaxEntries} allowed");
        var entries = new List<MailboxEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var id = PeerIdWire.Read(reader.Bytes(PeerIdWire.Size, "mailbox ID"));
            var length = reader.Byte("address length");
            if (length > MaxAddressBytes)
                throw new EnvelopeException("mailbox directory address hint too long");
            string address;
            try
            {
                address = WireText.Utf8.GetString(reader.Bytes(length, "address"));
            }
            catch (System.Text.DecoderFallbackException)
            {
                throw new EnvelopeException("mailbox directory address hint is not valid UTF-8");
            }
            entries.Add(new MailboxEntry(id, length == 0 ? null : address));
        }
        reader.Bytes(IdentitySignature.Size, "signature");
        reader.End();
        return new MailboxDirectory(encoded.ToArray(), key, issued, entries);
    }

    /// <summary>Checks <paramref name="expectedOwner"/> signed this list. Throws <see cref="EnvelopeException"/> otherwise.</summary>
    public void Verify(PeerId expectedOwner)
    {
        if (Owner != expectedOwner)
            throw new EnvelopeException("mailbox directory: signed by another peer");
        var signedLength = _encoded.Length - IdentitySignature.Size;
        IdentitySignature.Verify(_ownerKey, PeerIdWire.ToBytes(expectedOwner), Context,
            _encoded.AsSpan(0, signedLength), _encoded.AsSpan(signedLength), "mailbox directory");
    }
}
