using System.Security.Cryptography;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// The node's ECDH P-256 key for opening sealed envelopes, kept apart from the identity (signing) key:
/// one key never serves both signing and agreement. Stored owner-only as <see cref="FileName"/> next to the
/// identity, together with the record the identity signed for it.
/// </summary>
public sealed class AgreementKey : IDisposable
{
    public const string FileName = "agreement.pem";
    private const string KeyLabel = "PRIVATE KEY";
    private const string RecordLabel = "CRYPTOSPHERE AGREEMENT KEY RECORD";

    private readonly ECDiffieHellman _key;

    private AgreementKey(ECDiffieHellman key, AgreementKeyRecord record)
    {
        _key = key;
        Record = record;
    }

    /// <summary>What peers need to seal to this node: give it to them as is.</summary>
    public AgreementKeyRecord Record { get; }

    public PeerId Owner => Record.Owner;

    /// <summary>A new key held in memory only (tests, one-off sends).</summary>
    public static AgreementKey CreateEphemeral(NodeIdentity identity, TimeProvider? clock = null) =>
        Create(identity, clock ?? TimeProvider.System);

    /// <summary>
    /// Loads the key from <paramref name="dataDirectory"/>, creating it on first start. A file that is damaged
    /// or signed by another identity is refused and left untouched.
    /// </summary>
    public static AgreementKey LoadOrCreate(string dataDirectory, NodeIdentity identity, TimeProvider? clock = null)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
            return Load(path, identity);
        Directory.CreateDirectory(dataDirectory);
        var key = Create(identity, clock ?? TimeProvider.System);
        Save(key, path);
        return key;
    }

    private static AgreementKey Create(NodeIdentity identity, TimeProvider clock)
    {
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return new AgreementKey(key, AgreementKeyRecord.Create(identity, AgreementPoint.Export(key), clock.GetUtcNow()));
    }

    private static AgreementKey Load(string path, NodeIdentity identity)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"cannot read the agreement key file {path}: {e.Message}", e);
        }
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportFromPem(Section(pem, KeyLabel, path));
            var record = AgreementKeyRecord.Decode(Convert.FromBase64String(Section(pem, RecordLabel, path)));
            record.Verify(identity.Id);
            if (!record.PublicKey.Span.SequenceEqual(AgreementPoint.Export(key)))
                throw new EnvelopeException("the record is for another key");
            return new AgreementKey(key, record);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException or EnvelopeException)
        {
            key.Dispose();
            // Not e.Message alone for parse errors: it may quote parts of the file.
            throw new IdentityException(
                $"the agreement key file {path} is damaged or belongs to another identity ({e.GetType().Name}); it was left untouched. " +
                "Move it away to create a new one (sealed messages not yet fetched will then be unreadable).", e);
        }
        catch (IdentityException)
        {
            key.Dispose();
            throw;
        }
    }

    private static string Section(string pem, string label, string path)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
                return label == KeyLabel ? rest[fields.Location].ToString() : rest[fields.Base64Data].ToString();
            rest = rest[fields.Location.End..];
        }
        throw new IdentityException($"the agreement key file {path} has no {label} section; it was left untouched");
    }

    private static void Save(AgreementKey key, string path)
    {
        OwnerOnlyFile.CreateNew(path,
            key._key.ExportPkcs8PrivateKeyPem() + "\n" + PemEncoding.WriteString(RecordLabel, key.Record.Encoded) + "\n");
    }

    /// <summary>The raw ECDH shared secret with <paramref name="peerPoint"/>; only the key schedule uses it.</summary>
    internal byte[] Agree(ReadOnlySpan<byte> peerPoint, string what)
    {
        using var peer = AgreementPoint.Import(peerPoint, what);
        return _key.DeriveRawSecretAgreement(peer.PublicKey);
    }

    public override string ToString() => $"AgreementKey of {Owner}";

    public void Dispose() => _key.Dispose();
}
