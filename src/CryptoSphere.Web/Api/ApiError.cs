using Microsoft.AspNetCore.Http;

namespace CryptoSphere.Web.Api;

/// <summary>Errors the page shows to the user as they are: <c>{"error": "..."}</c>.</summary>
internal static class ApiError
{
    public static IResult BadRequest(string error) => Results.BadRequest(new ErrorReply(error));

    public static IResult NotFound(string error) => Results.NotFound(new ErrorReply(error));

    public static IResult Conflict(string error) => Results.Conflict(new ErrorReply(error));
}
