using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CryptoSphere.Core.Identity;
using CryptoSphere.Core.Mailbox;
using CryptoSphere.Tests.Support;

namespace CryptoSphere.Tests.Mailbox;

/// <summary>The node's key-agreement key, its file, and the record peers check against the node's ID.</summary>
public class AgreementKeyTests
{
    [Fact]
    public void LoadOrCreate_WritesAnOwnerOnlyFile_AndLoadsTheSameKeyAgain()
    {
        using var temp = new TempDirectory();
        using var identity = NodeIdentity.LoadOrCreate(temp.Path);

        byte[] first;
        using (var key = AgreementKey.LoadOrCreate(temp.Path, identity))
            first = key.Record.Encoded.ToArray();
        using var again = AgreementKey.LoadOrCreate(temp.Path, identity);

        var path = temp.Combine(AgreementKey.FileName);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(first, again.Record.Encoded.ToArray());
        Assert.Equal(identity.Id, again.Owner);
        again.Record.Verify(identity.Id);
    }

    [Fact]
    public void TheAgreementKeyIsNotTheIdentityKey()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        using var key = AgreementKey.CreateEphemeral(identity);
        using var signing = identity.Certificate.GetECDsaPublicKey()!;
        var q = signing.ExportParameters(false).Q;

        var point = key.Record.PublicKey.ToArray();
        Assert.False(point.AsSpan(1, 32).SequenceEqual(q.X), "the agreement key reuses the signing key");
        Assert.Equal(identity.Certificate.PublicKey.ExportSubjectPublicKeyInfo(), key.Record.IdentityKey.ToArray());
    }

    [Fact]
    public void Record_VerifiesOnlyForItsOwner()
    {
        using var alice = NodeIdentity.CreateEphemeral();
        using var bob = NodeIdentity.CreateEphemeral();
        using var key = AgreementKey.CreateEphemeral(alice);

        key.Record.Verify(alice.Id);
        var error = Assert.Throws<EnvelopeException>(() => key.Record.Verify(bob.Id));
        Assert.Contains("another peer", error.Message);
    }

    [Fact]
    public void Record_SurvivesEncodeDecode()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var created = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123);
        using var key = AgreementKey.CreateEphemeral(identity, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(created));

        var decoded = AgreementKeyRecord.Decode(key.Record.Encoded);

        Assert.Equal(created, decoded.CreatedAt);
        Assert.Equal(key.Record.PublicKey.ToArray(), decoded.PublicKey.ToArray());
        decoded.Verify(identity.Id);
    }

    [Fact]
    public void Record_WithAnyByteChanged_IsRefused()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        using var key = AgreementKey.CreateEphemeral(identity);
        var encoded = key.Record.Encoded.ToArray();

        for (var i = 0; i < encoded.Length; i++)
        {
            var tampered = (byte[])encoded.Clone();
            tampered[i] ^= 0x01;
            Assert.Throws<EnvelopeException>(() => AgreementKeyRecord.Decode(tampered).Verify(identity.Id));
        }
    }

    [Fact]
    public void Record_ForAPointOffTheCurve_IsRefusedEvenWhenSigned()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var offCurve = new byte[65];
        offCurve[0] = 0x04;
        offCurve[64] = 0x07;

        var record = AgreementKeyRecord.Create(identity, offCurve, DateTimeOffset.UnixEpoch);

        var error = Assert.Throws<EnvelopeException>(() => record.Verify(identity.Id));
        Assert.Contains("curve", error.Message);
    }

    [Fact]
    public void LoadOrCreate_RefusesAFileOfAnotherIdentity_AndLeavesItUntouched()
    {
        using var temp = new TempDirectory();
        using var owner = NodeIdentity.CreateEphemeral();
        using var other = NodeIdentity.CreateEphemeral();
        AgreementKey.LoadOrCreate(temp.Path, owner).Dispose();
        var path = temp.Combine(AgreementKey.FileName);
        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<IdentityException>(() => AgreementKey.LoadOrCreate(temp.Path, other));

        Assert.Contains("another identity", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void LoadOrCreate_RefusesADamagedFile_WithoutQuotingIt()
    {
        using var temp = new TempDirectory();
        using var identity = NodeIdentity.CreateEphemeral();
        var path = temp.Combine(AgreementKey.FileName);
        File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXRleHQ=\n-----END PRIVATE KEY-----\n");

        var error = Assert.Throws<IdentityException>(() => AgreementKey.LoadOrCreate(temp.Path, identity));

        Assert.DoesNotContain("c2VjcmV0", error.Message);
        Assert.Contains("left untouched", error.Message);
    }

    [Fact]
    public void RawAgreement_MatchesWhatThePeerComputes()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        using var key = AgreementKey.CreateEphemeral(identity);
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var recordKey = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = key.Record.PublicKey[1..33].ToArray(), Y = key.Record.PublicKey[33..].ToArray() },
        });
        var q = peer.ExportParameters(false).Q;

        var ours = key.Agree([0x04, .. q.X!, .. q.Y!], "test");

        Assert.Equal(peer.DeriveRawSecretAgreement(recordKey.PublicKey), ours);
    }
}
