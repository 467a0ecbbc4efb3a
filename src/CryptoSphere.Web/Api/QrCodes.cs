using QRCoder;

namespace CryptoSphere.Web.Api;

/// <summary>QR codes as PNG, drawn here: the page must work without internet.</summary>
internal static class QrCodes
{
    public static byte[] Png(string text, int pixelsPerModule = 8)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }
}
