using System.Security.Cryptography;
using System.Text;
using CryptoSphere.Core.Identity;

namespace CryptoSphere.Tests.Identity;

/// <summary>Peer IDs: SHA-256 of the SubjectPublicKeyInfo, RFC 4648 base32 without padding, grouped by seven.</summary>
public class PeerIdTests
{
    /// <summary>A deliberately naive RFC 4648 base32 encoder, independent of the one under test.</summary>
    private static string ReferenceBase32(byte[] data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(data.Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        bits = bits.PadRight((bits.Length + 4) / 5 * 5, '0');
        return string.Concat(Enumerable.Range(0, bits.Length / 5).Select(i => alphabet[Convert.ToInt32(bits.Substring(i * 5, 5), 2)]));
    }

    private static PeerId Sample(byte seed = 1) => PeerId.FromPublicKeyInfo(new[] { seed, (byte)2, (byte)3 });

    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void Base32_MatchesTheRfc4648Vectors_WithoutPadding(string input, string expected)
    {
        Assert.Equal(expected, Base32.Encode(Encoding.ASCII.GetBytes(input)));
        Assert.Equal(expected, ReferenceBase32(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void Base32_AgreesWithTheReferenceOnRandomData()
    {
        var random = new Random(4648);
        for (var length = 0; length < 70; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(ReferenceBase32(data), Base32.Encode(data));
        }
    }

    [Fact]
    public void FromPublicKeyInfo_IsTheBase32OfTheSha256()
    {
        var spki = Encoding.ASCII.GetBytes("not really a SubjectPublicKeyInfo, but any bytes will do");

        var id = PeerId.FromPublicKeyInfo(spki);

        Assert.Equal(ReferenceBase32(SHA256.HashData(spki)), id.Value);
        Assert.Equal(52, id.Value.Length);
    }

    [Fact]
    public void FromPublicKeyInfo_OfAKnownInput_IsAKnownId()
    {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
        var id = PeerId.FromPublicKeyInfo("abc"u8);

        Assert.Equal("XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ", id.Value);
        Assert.Equal("XJ4BNP4-PAHH6UQ-KBIDPF3-LRCEOYA-GYNDSYL-XVHFUCD-7WD4QAC-WWQ", id.ToString());
        Assert.Equal("XJ4BNP4", id.Short);
    }

    [Fact]
    public void FromCertificate_HashesTheCertificatesSubjectPublicKeyInfo()
    {
        using var identity = NodeIdentity.CreateEphemeral();
        var spki = identity.Certificate.PublicKey.ExportSubjectPublicKeyInfo();

        Assert.Equal(ReferenceBase32(SHA256.HashData(spki)), PeerId.FromCertificate(identity.Certificate).Value);
        Assert.Equal(identity.Id, PeerId.FromCertificate(identity.Certificate));
    }

    [Fact]
    public void FromCertificate_DependsOnTheKeyOnly_NotOnTheCertificatesOtherFields()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        using var one = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=one", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(now, now.AddDays(1));
        using var two = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=two", key, HashAlgorithmName.SHA384)
            .CreateSelfSigned(now.AddDays(-5), now.AddYears(3));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var three = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=one", other, HashAlgorithmName.SHA256)
            .CreateSelfSigned(now, now.AddDays(1));

        Assert.Equal(PeerId.FromCertificate(one), PeerId.FromCertificate(two));
        Assert.NotEqual(PeerId.FromCertificate(one), PeerId.FromCertificate(three));
    }

    [Fact]
    public void ToString_GroupsBySevenWithDashes_AndShortIsTheFirstGroup()
    {
        var id = Sample();

        var groups = id.ToString().Split('-');

        Assert.Equal(8, groups.Length);
        Assert.All(groups[..7], g => Assert.Equal(7, g.Length));
        Assert.Equal(3, groups[7].Length);
        Assert.Equal(id.Value, string.Concat(groups));
        Assert.Equal(groups[0], id.Short);
        Assert.Equal(id.Value[..7], id.Short);
    }

    [Fact]
    public void TryParse_AcceptsTheGroupedForm()
    {
        var id = Sample();

        Assert.True(PeerId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void TryParse_AcceptsTheUngroupedForm()
    {
        var id = Sample();

        Assert.True(PeerId.TryParse(id.Value, out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void TryParse_AcceptsLowerCase_Spaces_AndStraySeparators_AndGivesTheCanonicalValue()
    {
        var id = Sample();
        var messy = "  " + string.Join(" - ", id.Value.ToLowerInvariant().Chunk(4).Select(c => new string(c))) + "\n";

        Assert.True(PeerId.TryParse(messy, out var parsed));
        Assert.Equal(id, parsed);
        Assert.Equal(id.Value, parsed.Value);
    }

    public static TheoryData<string?> NotIds()
    {
        var value = Sample().Value;
        return new TheoryData<string?>
        {
            null,
            "",
            "-------",
            value[..51],                         // one short
            value + "A",                         // one long
            value[..51] + "1",                   // 0, 1, 8, 9 are not base32
            value[..51] + "8",
            value[..50] + "0A",
            value[..51] + "=",                   // padding
            value[..51] + "É",
            value[..25] + "." + value[26..],
            value + "====",                      // a padded form is not the ID's form
        };
    }

    [Theory]
    [MemberData(nameof(NotIds))]
    public void TryParse_RejectsWhatIsNotAnId(string? text)
    {
        Assert.False(PeerId.TryParse(text, out var id));
        Assert.Equal(default, id);
    }

    [Fact]
    public void TryParse_RejectsALastCharacterWithSpareBitsSet_SoATypoIsNotASecondPeer()
    {
        // 256 bits in 52 characters: the last one holds one bit and four zero bits, so only A and Q are an ID's.
        var value = Sample().Value;
        var ends = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".Where(c => PeerId.TryParse(value[..51] + c, out _)).ToArray();

        Assert.Equal(['A', 'Q'], ends);
        Assert.Contains(value[^1], ends);
        Assert.All(Enumerable.Range(0, 200), i =>
            Assert.Contains(PeerId.FromPublicKeyInfo(BitConverter.GetBytes(i)).Value[^1], ends));
    }

    [Fact]
    public void Normalize_DropsDashesAndWhitespace_AndUpperCases()
    {
        Assert.Equal("ABC2DEF", PeerId.Normalize(" abc-2d\tef "));
    }

    [Fact]
    public void Ids_AreEqualByValue()
    {
        Assert.Equal(Sample(1), Sample(1));
        Assert.NotEqual(Sample(1), Sample(2));
        Assert.Equal(Sample(1).GetHashCode(), Sample(1).GetHashCode());
    }

    [Fact]
    public void TryFormat_WritesWhatToStringGives_AndRefusesASpanTooShort()
    {
        var id = Sample(3);
        Span<char> room = stackalloc char[PeerId.MaxGroupedLength];

        Assert.True(id.TryFormat(room, out var written));
        Assert.Equal(id.ToString(), new string(room[..written]));
        Assert.False(id.TryFormat(room[..(written - 1)], out _));
        Assert.True(default(PeerId).TryFormat(room, out var none));
        Assert.Equal(0, none);
    }
}
