using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// Lets the schemes challenge (401 with their <c>WWW-Authenticate</c>) or forbid (403) exactly as ASP.NET does, then
/// writes an <c>application/problem+json</c> body (RFC 9457) that says which, without detail about the credentials.
/// Uses the application's <see cref="IProblemDetailsService"/> when there is one.
/// </summary>
internal sealed class ProblemDetailsAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    internal const string UnauthorizedDetail = "The request needs valid credentials.";
    internal const string ForbiddenDetail = "The credentials are valid but do not grant access to this resource.";

    private readonly AuthorizationMiddlewareResultHandler _inner = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        await _inner.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
        if (!(authorizeResult.Challenged || authorizeResult.Forbidden) || context.Response.HasStarted)
        {
            return;
        }

        int status = context.Response.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
            ? context.Response.StatusCode
            : authorizeResult.Challenged ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        context.Response.StatusCode = status;
        var problem = new ProblemDetails
        {
            Status = status,
            Type = status == StatusCodes.Status401Unauthorized ? "https://tools.ietf.org/html/rfc9110#section-15.5.2" : "https://tools.ietf.org/html/rfc9110#section-15.5.4",
            Title = status == StatusCodes.Status401Unauthorized ? "Unauthorized" : "Forbidden",
            Detail = status == StatusCodes.Status401Unauthorized ? UnauthorizedDetail : ForbiddenDetail,
        };
        if (context.RequestServices.GetService<IProblemDetailsService>() is { } service
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false))
        {
            return;
        }

        context.Response.ContentType = "application/problem+json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("type", problem.Type);
        writer.WriteString("title", problem.Title);
        writer.WriteNumber("status", status);
        writer.WriteString("detail", problem.Detail);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
