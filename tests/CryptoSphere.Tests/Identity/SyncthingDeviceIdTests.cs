using System.Security.Cryptography;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Tests.Identity;

/// <summary>Syncthing device IDs: SHA-256 of the certificate DER, base32, a Luhn-32 check character per 13.</summary>
public class SyncthingDeviceIdTests
{
    // The example ID of Syncthing's documentation and its own tests, with and without check characters.
    private const string Formatted = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2";
    private const string WithoutChecks = "P56IOI7MZJNU2IQGDREYDM2MGTMGL3BXNPQ6W5BTBBZ4TJXZWICQ";

    [Theory]
    [InlineData(Formatted)]
    [InlineData(WithoutChecks)]
    [InlineData("p56ioi7mzjnu2yiqgdreydm2mgtimgl3bxnpq6w5bmtbbz4tjxzwicq2")]
    [InlineData("P56IOI7 MZJNU2Y IQGDREY DM2MGTI MGL3BXN PQ6W5BM TBBZ4TJ XZWICQ2")]
    [InlineData("P561017MZJNU2YIQGDREYDM2MGTIMGL3BXNPQ6W5BMT88Z4TJXZWICQ2")] // 0/1/8 typed for O/I/B
    public void Parse_AcceptsTheWrittenForms_AndFormatsWithCheckCharacters(string text)
    {
        Assert.True(SyncthingDeviceId.TryParse(text, out var id));
        Assert.Equal(Formatted, id.ToString());
    }

    [Theory]
    [InlineData("P56IOI7-MZJNU2Z-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2")] // first check character wrong
    [InlineData("P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ3")] // last check character wrong
    [InlineData("Q56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2")] // a typo in the data
    [InlineData("P56IOI7-MZJNU2Y")]
    [InlineData("P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ!")]
    [InlineData("")]
    public void Parse_RejectsTyposAndWrongLengths(string text) =>
        Assert.False(SyncthingDeviceId.TryParse(text, out _));

    [Fact]
    public void FromCertificate_IsTheHashOfTheWholeCertificate_NotOfTheKeyLikeOurPeerId()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var device = SyncthingDeviceId.FromCertificate(identity.Certificate);

        Assert.Equal(SHA256.HashData(identity.Certificate.RawData), device.Bytes.ToArray());
        Assert.NotEqual(SHA256.HashData(identity.Certificate.PublicKey.ExportSubjectPublicKeyInfo()), device.Bytes.ToArray());
        Assert.True(SyncthingDeviceId.TryParse(device.ToString(), out var back));
        Assert.Equal(device, back);
    }

    [Fact]
    public void RoundTrips_RandomIds_ThroughTheirText()
    {
        var random = new Random(32);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            Assert.True(SyncthingDeviceId.TryFromBytes(bytes, out var id));
            Assert.Matches("^([A-Z2-7]{7}-){7}[A-Z2-7]{7}$", id.ToString());
            Assert.True(SyncthingDeviceId.TryParse(id.ToString(), out var parsed));
            Assert.Equal(bytes, parsed.Bytes.ToArray());
        }
    }

    [Fact]
    public void TheDeviceId_OfAPersistedIdentity_IsTheSameAfterReloading()
    {
        using var temp = new Support.TempDirectory();
        SyncthingDeviceId first;
        using (var created = NodeIdentity.LoadOrCreate(temp.Path))
            first = SyncthingDeviceId.FromCertificate(created.Certificate);
        using var reloaded = NodeIdentity.LoadOrCreate(temp.Path);

        Assert.Equal(first, SyncthingDeviceId.FromCertificate(reloaded.Certificate));
    }
}
