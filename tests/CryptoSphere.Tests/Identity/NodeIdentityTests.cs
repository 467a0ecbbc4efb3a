using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CryptoSphere.Core.Identity;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Identity;

/// <summary>The node's key and certificate, and the identity.pem file that keeps them.</summary>
public class NodeIdentityTests
{
    [Fact]
    public void CreateEphemeral_HasAnEcdsaP256PrivateKey_AndTheIdOfItsPublicKey()
    {
        using var identity = NodeIdentity.CreateEphemeral();

        Assert.True(identity.Certificate.HasPrivateKey);
        using var key = identity.Certificate.GetECDsaPrivateKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.Equal(PeerId.FromCertificate(identity.Certificate), identity.Id);
        Assert.Contains(identity.Id.ToString(), identity.ToString());
    }

    [Fact]
    public void CreateEphemeral_GivesANewIdEachTime()
    {
        using var one = NodeIdentity.CreateEphemeral();
        using var two = NodeIdentity.CreateEphemeral();

        Assert.NotEqual(one.Id, two.Id);
    }

    [Fact]
    public void LoadOrCreate_CreatesTheDirectoryAndAnOwnerOnlyPemFile()
    {
        using var temp = new TempDirectory();
        var dataDir = temp.Combine("nested", "data");

        using var identity = NodeIdentity.LoadOrCreate(dataDir);

        var path = Path.Combine(dataDir, NodeIdentity.FileName);
        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var pem = File.ReadAllText(path);
        Assert.Contains("-----BEGIN CERTIFICATE-----", pem);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", pem);
        Assert.Equal([NodeIdentity.FileName], Directory.GetFiles(dataDir).Select(Path.GetFileName));
        Assert.True(identity.Certificate.HasPrivateKey);
    }

    [Fact]
    public void LoadOrCreate_Again_LoadsTheSameIdentity_WithoutRewritingTheFile()
    {
        using var temp = new TempDirectory();
        using var created = NodeIdentity.LoadOrCreate(temp.Path);
        var path = temp.Combine(NodeIdentity.FileName);
        var bytes = File.ReadAllBytes(path);

        using var loaded = NodeIdentity.LoadOrCreate(temp.Path);
        using var loadedAgain = NodeIdentity.LoadOrCreate(temp.Path);

        Assert.Equal(created.Id, loaded.Id);
        Assert.Equal(created.Id, loadedAgain.Id);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void LoadOrCreate_TheLoadedKey_SignsForTheSameId()
    {
        using var temp = new TempDirectory();
        using var created = NodeIdentity.LoadOrCreate(temp.Path);
        using var loaded = NodeIdentity.LoadOrCreate(temp.Path);
        var data = "prove it"u8.ToArray();

        using var privateKey = loaded.Certificate.GetECDsaPrivateKey()!;
        var signature = privateKey.SignData(data, HashAlgorithmName.SHA256);

        using var publicKey = created.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void LoadOrCreate_InDifferentDirectories_GivesDifferentIds()
    {
        using var temp = new TempDirectory();

        using var one = NodeIdentity.LoadOrCreate(temp.Combine("one"));
        using var two = NodeIdentity.LoadOrCreate(temp.Combine("two"));

        Assert.NotEqual(one.Id, two.Id);
    }

    public static TheoryData<string> DamagedFiles() => new()
    {
        "garbage",
        "empty",
        "truncated",
        "certificate only",
        "key only",
        "someone else's key",
        "base64 damaged",
    };

    private static byte[] Damage(string kind, string goodPem)
    {
        var certificate = goodPem[..(goodPem.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + 25)];
        var key = goodPem[goodPem.IndexOf("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal)..];
        switch (kind)
        {
            case "garbage":
                return Encoding.UTF8.GetBytes("this is not a PEM file at all\n\u00e9\u0000\u00ff");
            case "empty":
                return [];
            case "truncated":
                return Encoding.ASCII.GetBytes(goodPem[..(goodPem.Length * 2 / 3)]);
            case "certificate only":
                return Encoding.ASCII.GetBytes(certificate + "\n");
            case "key only":
                return Encoding.ASCII.GetBytes(key);
            case "someone else's key":
                using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                    return Encoding.ASCII.GetBytes(certificate + "\n" + other.ExportPkcs8PrivateKeyPem() + "\n");
            case "base64 damaged":
                var bodyStart = goodPem.IndexOf('\n') + 10;
                return Encoding.ASCII.GetBytes(goodPem[..bodyStart] + "!!!!" + goodPem[(bodyStart + 4)..]);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public void LoadOrCreate_ADamagedFile_Throws_AndLeavesTheFileAsItWas(string kind)
    {
        using var temp = new TempDirectory();
        using (NodeIdentity.LoadOrCreate(temp.Path))
        {
        }
        var path = temp.Combine(NodeIdentity.FileName);
        var damaged = Damage(kind, File.ReadAllText(path));
        File.WriteAllBytes(path, damaged);

        var error = Assert.Throws<IdentityException>(() => NodeIdentity.LoadOrCreate(temp.Path));

        Assert.Contains(path, error.Message);
        Assert.Equal(damaged, File.ReadAllBytes(path));
        Assert.Equal([NodeIdentity.FileName], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void LoadOrCreate_AnRsaIdentity_IsRefused_AndLeftAsItWas()
    {
        using var temp = new TempDirectory();
        using var rsa = RSA.Create(2048);
        var now = DateTimeOffset.UtcNow;
        using var certificate = new CertificateRequest("CN=rsa", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(now, now.AddDays(1));
        var path = temp.Combine(NodeIdentity.FileName);
        var pem = Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n" + rsa.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllBytes(path, pem);

        var error = Assert.Throws<IdentityException>(() => NodeIdentity.LoadOrCreate(temp.Path));

        Assert.Contains("ECDSA", error.Message);
        Assert.Equal(pem, File.ReadAllBytes(path));
    }

    [Fact]
    public void LoadOrCreate_TheErrorForADamagedFile_DoesNotQuoteTheKey()
    {
        using var temp = new TempDirectory();
        using (NodeIdentity.LoadOrCreate(temp.Path))
        {
        }
        var path = temp.Combine(NodeIdentity.FileName);
        var pem = File.ReadAllText(path);
        var keyStart = pem.IndexOf("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal);
        var keyBody = pem[keyStart..].Split('\n')[1];
        File.WriteAllText(path, pem[..keyStart] + "-----BEGIN PRIVATE KEY-----\n" + keyBody + "\n");

        var error = Assert.Throws<IdentityException>(() => NodeIdentity.LoadOrCreate(temp.Path));

        Assert.DoesNotContain(keyBody[..16], error.Message);
    }
}
