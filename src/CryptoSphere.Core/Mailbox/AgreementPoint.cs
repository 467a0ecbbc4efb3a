using System.Security.Cryptography;

namespace CryptoSphere.Core.Mailbox;

/// <summary>
/// A P-256 public key for key agreement as 65 bytes (0x04, X, Y: SEC 1 uncompressed). Importing checks
/// the point is on the curve, so a crafted point is refused before any agreement is computed.
/// </summary>
internal static class AgreementPoint
{
    public const int Size = 65;

    public static byte[] Export(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        var point = new byte[Size];
        point[0] = 0x04;
        q.X!.CopyTo(point, 1);
        q.Y!.CopyTo(point, 33);
        return point;
    }

    /// <summary>The point as a public-only key; the caller disposes it.</summary>
    public static ECDiffieHellman Import(ReadOnlySpan<byte> point, string what)
    {
        if (point.Length != Size || point[0] != 0x04)
            throw new EnvelopeException($"{what}: not an uncompressed P-256 point");
        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33].ToArray(), Y = point[33..].ToArray() },
            });
        }
        catch (CryptographicException)
        {
            throw new EnvelopeException($"{what}: the point is not on the P-256 curve");
        }
    }
}
