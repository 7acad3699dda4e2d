using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>Removes gateway routes whose header or query conditions the request does not meet from ASP.NET routing's candidates.</summary>
internal sealed class GatewayMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // After ASP.NET's own host and method policies.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<GatewayRouteMetadata>() is { Matcher.IsEmpty: false })
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
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            if (candidates[i].Endpoint.Metadata.GetMetadata<GatewayRouteMetadata>() is { Matcher: { IsEmpty: false } matcher }
                && !matcher.Matches(httpContext.Request))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
