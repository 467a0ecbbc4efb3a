using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// Signatures by a node's identity (ECDSA P-256, SHA-256, IEEE P1363 r||s). Each kind of record signs
/// under its own context string, so a signature on one kind can never pass as another.
/// </summary>
internal static class IdentitySignature
{
    public const int Size = 64;
    public const int MaxKeyBytes = 256;
    private const string P256Oid = "1.2.840.10045.3.1.7";

    public static byte[] PublicKeyOf(NodeIdentity identity) => identity.Certificate.PublicKey.ExportSubjectPublicKeyInfo();

    public static byte[] Sign(NodeIdentity identity, string context, ReadOnlySpan<byte> signed)
    {
        using var key = identity.Certificate.GetECDsaPrivateKey()
                        ?? throw new InvalidOperationException("the identity has no ECDSA private key");
        return key.SignData(WithContext(context, signed), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Checks that <paramref name="subjectPublicKeyInfo"/> is a P-256 key whose hash is <paramref name="expectedId"/>
    /// (in wire form) and that it made <paramref name="signature"/>. Throws <see cref="EnvelopeException"/> otherwise.
    /// </summary>
    public static void Verify(ReadOnlySpan<byte> subjectPublicKeyInfo, ReadOnlySpan<byte> expectedId, string context,
        ReadOnlySpan<byte> signed, ReadOnlySpan<byte> signature, string what)
    {
        if (!PeerIdWire.OfKey(subjectPublicKeyInfo).AsSpan().SequenceEqual(expectedId))
            throw new EnvelopeException($"{what}: the signer's key does not match its peer ID");
        using var key = ImportP256(subjectPublicKeyInfo, what);
        if (signature.Length != Size
            || !key.VerifyData(WithContext(context, signed), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            throw new EnvelopeException($"{what}: bad signature");
    }

    private static ECDsa ImportP256(ReadOnlySpan<byte> subjectPublicKeyInfo, string what)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            if (read != subjectPublicKeyInfo.Length || key.ExportParameters(false).Curve.Oid?.Value != P256Oid)
                throw new EnvelopeException($"{what}: the signer's key is not a P-256 key");
            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new EnvelopeException($"{what}: the signer's key is malformed");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    // Context, a zero byte, then the record: no record can be read as another context's.
    private static byte[] WithContext(string context, ReadOnlySpan<byte> signed)
    {
        var prefix = Encoding.ASCII.GetBytes(context);
        var data = new byte[prefix.Length + 1 + signed.Length];
        prefix.CopyTo(data, 0);
        signed.CopyTo(data.AsSpan(prefix.Length + 1));
        return data;
    }
}
