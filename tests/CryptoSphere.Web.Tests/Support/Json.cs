using System.Net;
using System.Text.Json;

namespace CryptoSphere.Web.Tests.Support;

internal static class Json
{
    /// <summary>Reads a JSON response, failing with its body when the status is not the expected one.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, string path) => await ReadAsync(await client.GetAsync(path));
}
