using System.Globalization;

namespace CryptoSphere.Core.Peers;

/// <summary>The ports a user may choose: unprivileged and valid.</summary>
public static class PortRules
{
    public const int Min = 1024;
    public const int Max = 65535;

    public static bool TryParse(string? text, out int port, out string error)
    {
        port = 0;
        if (!int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            error = $"'{text}' is not a port number (expected {Min}-{Max})";
            return false;
        }
        if (value is < Min or > Max)
        {
            error = $"port {value} is outside {Min}-{Max}";
            return false;
        }
        port = value;
        error = "";
        return true;
    }
}
