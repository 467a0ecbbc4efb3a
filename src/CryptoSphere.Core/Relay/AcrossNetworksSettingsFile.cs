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
            var bytes = File.ReadAllBytes(path);
            if (KeyProblem(bytes) is { } problem)
            {
                error = $"{path}: {problem}";
                return false;
            }
            settings = JsonSerializer.Deserialize(bytes, SettingsJson.Default.Settings);
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

    private static readonly string[] Keys = ["relay", "discoveryServer"];

    /// <summary>
    /// An unknown key (a typo, or "Relay" for "relay") or one given twice; null when the keys are fine. Both were ignored
    /// silently: the node ran without the relay its owner had set, with no word of it (found from outside).
    /// </summary>
    private static string? KeyProblem(byte[] json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            return null; // the deserializer's own error says what is expected
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!Keys.Contains(property.Name, StringComparer.Ordinal))
            {
                var meant = Keys.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
                return $"unknown key \"{Short(property.Name)}\"" + (meant is not null
                    ? $"; keys are case-sensitive: write \"{meant}\""
                    : "; the keys are \"relay\" and \"discoveryServer\"");
            }
            if (!seen.Add(property.Name))
                return $"\"{property.Name}\" is given twice; keep one";
        }
        return null;
    }

    private static string Short(string text) => string.Concat(text.Take(64).Select(c => char.IsControl(c) ? '?' : c));

    internal sealed record Settings(
        [property: JsonPropertyName("relay")] string? Relay,
        [property: JsonPropertyName("discoveryServer")] string? DiscoveryServer);
}

[JsonSerializable(typeof(AcrossNetworksSettingsFile.Settings))]
[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
internal sealed partial class SettingsJson : JsonSerializerContext;
