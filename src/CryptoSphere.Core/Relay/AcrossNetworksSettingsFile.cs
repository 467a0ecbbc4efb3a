using System.Text.Json;
using System.Text.Json.Serialization;

namespace CryptoSphere.Core.Relay;

/// <summary>
/// <c>network.json</c> in the data directory: <c>{"relay": "relay://…", "discoveryServer": "https://…"}</c>, for
/// users who set the servers once instead of on every start. A missing file means LAN only.
/// </summary>
public static class AcrossNetworksSettingsFile
{
    public const string FileName = "network.json";
    private const int MaxBytes = 16 * 1024;

    /// <summary>The file's settings; false with a one-line error when it exists but is not valid.</summary>
    public static bool TryLoad(string dataDirectory, out AcrossNetworksOptions options, out string error)
    {
        options = AcrossNetworksOptions.LanOnly;
        error = "";
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
            return true;
        Settings? settings;
        try
        {
            if (new FileInfo(path).Length > MaxBytes)
            {
                error = $"{path} is larger than {MaxBytes / 1024} KiB; it should hold two URLs";
                return false;
            }
            settings = JsonSerializer.Deserialize(File.ReadAllBytes(path), SettingsJson.Default.Settings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {path}: {e.Message}";
            return false;
        }
        catch (JsonException e)
        {
            error = $"{path} is not valid JSON (line {e.LineNumber + 1}); expected {{\"relay\": \"relay://…\", \"discoveryServer\": \"https://…\"}}";
            return false;
        }
        if (!AcrossNetworksOptions.TryParse(settings?.Relay, settings?.DiscoveryServer, out options, out var parseError))
        {
            error = $"{path}: {parseError.Replace("--relay", "relay").Replace("--discovery-server", "discoveryServer")}";
            return false;
        }
        return true;
    }

    internal sealed record Settings(
        [property: JsonPropertyName("relay")] string? Relay,
        [property: JsonPropertyName("discoveryServer")] string? DiscoveryServer);
}

[JsonSerializable(typeof(AcrossNetworksSettingsFile.Settings))]
[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class SettingsJson : JsonSerializerContext;
