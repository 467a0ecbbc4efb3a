using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CryptoSphere.Web.Api;

/// <summary>
/// Every error from <c>/api</c> has the body the page shows, <c>{"error": "..."}</c>, also those the framework answers
/// itself: a body that is not JSON or not of the expected shape (400), one over the size limit (413), a route asked with
/// another method (405) or content type (415), and a failure no endpoint caught (500, logged). Found from outside: these
/// were a bare status with an empty body, and a wrong method was "no such API" on a route that exists.
/// </summary>
internal sealed class ApiErrorBodies(RequestDelegate next, ILogger<ApiErrorBodies> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "the request is larger than the 2 MiB this page accepts"
                : "the request is not what this API takes: " + (UnknownField(e) ?? Plain(e.Message)));
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            WebLog.RequestFailed(log, context.Request.Method, context.Request.Path.Value ?? "", e);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "the node could not do that: " + e.Message);
            return;
        }
        if (context.Response.HasStarted || context.Response.ContentLength > 0 || context.Response.StatusCode < 400)
            return;
        var error = context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => "no such API",
            StatusCodes.Status405MethodNotAllowed => $"this API does not take {context.Request.Method}",
            StatusCodes.Status415UnsupportedMediaType => "send JSON, with Content-Type: application/json",
            StatusCodes.Status413PayloadTooLarge => "the request is larger than the 2 MiB this page accepts",
            _ => "the request is not what this API takes: " + SomeValue,
        };
        await WriteAsync(context, context.Response.StatusCode, error);
    }

    // The framework's text names C# parameter types ("Failed to read parameter "SendRequest body" from the request body
    // as JSON."): the page only needs to know that the body was the problem.
    private static string Plain(string message) =>
        message.Contains("as JSON", StringComparison.Ordinal) ? "its body is not JSON of the expected shape"
        : message.Contains("no body was provided", StringComparison.Ordinal) ? "it has no body; send a JSON object"
        : SomeValue;

    // System.Text.Json says "The JSON property 'maxBytes' could not be mapped to any .NET member contained in type ...";
    // the page needs the field's name, not the type's. The name is the client's own text, cut short.
    private static string? UnknownField(BadHttpRequestException e)
    {
        if (e.InnerException is not JsonException { Message: var text })
            return null;
        const string Before = "The JSON property '", After = "' could not be mapped";
        var end = text.IndexOf(After, StringComparison.Ordinal);
        if (!text.StartsWith(Before, StringComparison.Ordinal) || end < Before.Length)
            return null;
        var name = text[Before.Length..end];
        return $"it has an unknown field \"{(name.Length > 64 ? name[..64] + "…" : name)}\"";
    }

    private const string SomeValue = "a value in it is missing or not of the expected kind";

    private static Task WriteAsync(HttpContext context, int status, string error)
    {
        // Not Clear(): the security headers set before stay.
        context.Response.StatusCode = status;
        context.Response.ContentLength = null;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new ErrorReply(error), WebJson.Default.ErrorReply));
    }
}
