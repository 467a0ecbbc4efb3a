using QRCoder;

namespace CryptoSphere.Web.Api;

/// <summary>QR codes as PNG or SVG, drawn here: the page must work without internet.</summary>
internal static class QrCodes
{
    public static byte[] Png(string text, int pixelsPerModule = 8)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }

    /// <summary>An SVG document (no script, no external reference), so it scales and passes the page's img-src 'self'.</summary>
    public static string Svg(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(8);
    }
}
