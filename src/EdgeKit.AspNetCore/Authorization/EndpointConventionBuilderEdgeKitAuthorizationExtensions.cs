using EdgeKit.AspNetCore.Authorization;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Applies an EdgeKit authorization policy to an endpoint by name.</summary>
public static class EndpointConventionBuilderEdgeKitAuthorizationExtensions
{
    /// <summary>
    /// Requires the named policy: <c>anonymous</c> (<see cref="EdgeKitAuthorizationOptions.AnonymousPolicyName"/>)
    /// allows anonymous access (<c>AllowAnonymous</c>); any other name is <c>RequireAuthorization(name)</c>, resolved
    /// from EdgeKit's configured policies, then from policies registered in code.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">The endpoint(s).</param>
    /// <param name="policyName">The policy's name.</param>
    /// <returns>The builder.</returns>
    public static TBuilder RequireEdgeKitPolicy<TBuilder>(this TBuilder builder, string policyName)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        return string.Equals(policyName, EdgeKitAuthorizationOptions.AnonymousPolicyName, StringComparison.OrdinalIgnoreCase)
            ? builder.AllowAnonymous()
            : builder.RequireAuthorization(policyName);
    }
}
