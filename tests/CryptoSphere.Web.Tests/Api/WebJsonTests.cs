using System.Text.Json;
using CryptoSphere.Web.Api;
using Microsoft.AspNetCore.Http.Json;

namespace CryptoSphere.Web.Tests.Api;

/// <summary>
/// The API's JSON is generated at build time (the published program is native code, without JSON by reflection),
/// and the tests run it the same way: a type left out of <see cref="WebJson"/> fails here, not only once installed.
/// </summary>
public sealed class WebJsonTests
{
    private sealed record NotListed(int Value);

    [Fact]
    public void The_api_options_write_listed_types_and_refuse_the_rest_instead_of_using_reflection()
    {
        // ASP.NET's defaults, as the web interface gets them: here (JIT) they would fall back to reflection.
        Assert.Equal("""{"value":1}""", JsonSerializer.Serialize(new NotListed(1), new JsonOptions().SerializerOptions));

        var options = new JsonOptions().SerializerOptions;
        WebJson.UseAlone(options);

        Assert.Equal("""{"error":"no such API"}""", JsonSerializer.Serialize(new ErrorReply("no such API"), options));
        Assert.Equal("""{"removed":"127.0.0.1:5000","goodbye":false,"error":null}""",
            JsonSerializer.Serialize<object>(new RemovedReply("127.0.0.1:5000", false, null), options));
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new NotListed(1), options));
    }
}
