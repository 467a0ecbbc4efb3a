using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using FsCheck.Xunit;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>
/// Envelopes, receipts and key records changed at random (bits flipped, bytes cut, inserted or appended)
/// are refused with <see cref="EnvelopeException"/> and nothing else; random bytes never crash a decoder.
/// </summary>
public sealed class EnvelopeMutationProperties : IDisposable
{
    private const int Runs = 300;
    private readonly MailboxParty _alice = new();
    private readonly MailboxParty _bob = new();
    private readonly byte[] _envelope;

    public EnvelopeMutationProperties() =>
        _envelope = _alice.SealTo(_bob, EnvelopePayload.Group(Guid.NewGuid(), Guid.CreateVersion7(), 7, DateTimeOffset.UtcNow, "mutate me")).Encoded.ToArray();

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Property(MaxTest = Runs)]
    public bool Flipped_bits_are_refused(int position, byte mask)
    {
        var mutated = (byte[])_envelope.Clone();
        mutated[Math.Abs(position % mutated.Length)] ^= mask == 0 ? (byte)0x80 : mask;
        return Refused(mutated);
    }

    [Property(MaxTest = Runs)]
    public bool Cut_inserted_or_appended_bytes_are_refused(int position, byte[] extra, bool cut)
    {
        var at = Math.Abs(position % _envelope.Length);
        byte[] mutated = cut
            ? [.. _envelope[..at], .. _envelope[(at + 1)..]]
            : [.. _envelope[..at], .. (extra.Length == 0 ? [0] : extra), .. _envelope[at..]];
        return Refused(mutated);
    }

    [Property(MaxTest = Runs)]
    public bool Random_bytes_are_refused_or_read_back_exactly(byte[] data) =>
        DecodesToItself(data, d => SealedEnvelope.Decode(d).Encoded.ToArray())
        && DecodesToItself(data, d => AgreementKeyRecord.Decode(d).Encoded.ToArray())
        && DecodesToItself(data, d => DeliveryReceipt.Decode(d).Encoded.ToArray());

    [Property(MaxTest = Runs)]
    public bool Random_bytes_after_a_valid_header_are_refused_or_read_back_exactly(byte[] tail) =>
        DecodesToItself([.. _envelope.AsSpan(0, 93), .. tail], d => SealedEnvelope.Decode(d).Encoded.ToArray());

    private static bool DecodesToItself(byte[] data, Func<byte[], byte[]> decode)
    {
        try
        {
            return decode(data).AsSpan().SequenceEqual(data);
        }
        catch (EnvelopeException)
        {
            return true;
        }
    }

    private bool Refused(byte[] mutated)
    {
        try
        {
            _bob.Opener.Open(mutated);
            return false;
        }
        catch (EnvelopeException)
        {
            return true;
        }
    }
}
