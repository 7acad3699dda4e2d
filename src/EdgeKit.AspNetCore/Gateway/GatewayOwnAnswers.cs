using System.Runtime.CompilerServices;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Net.Http.Headers;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// Ends the application's pipeline with a 404 problem+json: a request no endpoint (gateway route or other) took, and no
/// middleware answered, would otherwise get Kestrel's empty 404.
/// </summary>
internal sealed class RouteNotFoundStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        app.Run(static context => context.Response.HasStarted
            ? Task.CompletedTask
            : GatewayProblem.WriteAsync(context, StatusCodes.Status404NotFound, GatewayProblem.RouteNotFound, "Not found", "No route matches the request."));
    };
}

/// <summary>
/// Gives ASP.NET routing's 405 answer (a path some endpoint matches, with a method none accepts) a problem+json body. The
/// routing's own rejection endpoint still runs first (it sets the status and <c>Allow</c>); this replaces it by one that
/// then writes the body.
/// </summary>
internal sealed class MethodNotAllowedMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // The display name ASP.NET gives the endpoint HttpMethodMatcherPolicy creates for a method no candidate accepts.
    private const string RejectionDisplayName = "405 HTTP Method Not Supported";

    private static readonly ConditionalWeakTable<Endpoint, Endpoint> s_replacements = new();

    // After ASP.NET's HttpMethodMatcherPolicy (-1000), which adds the rejection endpoint.
    public override int Order => 2000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (IsRejection(endpoint))
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        for (int i = 0; i < candidates.Count; i++)
        {
            var endpoint = candidates[i].Endpoint;
            if (candidates.IsValidCandidate(i) && IsRejection(endpoint))
            {
                candidates.ReplaceEndpoint(i, s_replacements.GetValue(endpoint, static e => Replace(e)), candidates[i].Values);
            }
        }

        return Task.CompletedTask;
    }

    private static bool IsRejection(Endpoint endpoint) =>
        endpoint is not RouteEndpoint && endpoint.Metadata.Count == 0 && endpoint.RequestDelegate is not null
        && string.Equals(endpoint.DisplayName, RejectionDisplayName, StringComparison.Ordinal);

    private static Endpoint Replace(Endpoint rejection)
    {
        var inner = rejection.RequestDelegate!;
        return new Endpoint(async context =>
        {
            await inner(context).ConfigureAwait(false);
            if (context.Response.HasStarted || context.Response.StatusCode != StatusCodes.Status405MethodNotAllowed)
            {
                return;
            }

            var allow = context.Response.Headers[HeaderNames.Allow];
            await WriteAsync(context, allow).ConfigureAwait(false);
        }, rejection.Metadata, rejection.DisplayName);
    }

    private static Task WriteAsync(HttpContext context, Microsoft.Extensions.Primitives.StringValues allow)
    {
        // GatewayProblem clears the headers: Allow is put back once it has.
        context.Response.OnStarting(static state =>
        {
            var (response, value) = ((HttpResponse, Microsoft.Extensions.Primitives.StringValues))state;
            response.Headers[HeaderNames.Allow] = value;
            return Task.CompletedTask;
        }, (context.Response, allow));
        return GatewayProblem.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, GatewayProblem.MethodNotAllowed,
            "Method not allowed", "The route does not accept the request's method.");
    }
}
