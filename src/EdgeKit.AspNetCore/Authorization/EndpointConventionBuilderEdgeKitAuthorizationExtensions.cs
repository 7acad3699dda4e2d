using EdgeKit.AspNetCore.Authorization;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Applies an EdgeKit authorization policy to an endpoint by name.</summary>
public static class EndpointConventionBuilderEdgeKitAuthorizationExtensions
{
    /// <summary>
    /// Requires the named policy, read as EdgeKit reads a policy name everywhere (routes, <c>MapEdgeKitStatus</c>,
    /// <c>MapEdgeKitDashboard</c>): <c>anonymous</c> (<see cref="EdgeKitAuthorizationOptions.AnonymousPolicyName"/>)
    /// allows anonymous access (<c>AllowAnonymous</c>); <c>default</c> is ASP.NET's default policy (an authenticated
    /// user); any other name is <c>RequireAuthorization(name)</c>, resolved from EdgeKit's configured policies, then from
    /// policies registered in code.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">The endpoint(s).</param>
    /// <param name="policyName">The policy's name.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="policyName"/> is null or blank.</exception>
    public static TBuilder RequireEdgeKitPolicy<TBuilder>(this TBuilder builder, string policyName)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        return builder.WithMetadata(AuthorizationPolicyMetadata.For(policyName));
    }

    /// <summary>
    /// Requires the named policy as <see cref="RequireEdgeKitPolicy{TBuilder}(TBuilder, string)"/> does, after checking
    /// now, as EdgeKit's own endpoints do when they are mapped, that it resolves in <paramref name="services"/>: a name
    /// defined nowhere would otherwise start fine and answer every request with 500. Use it for an endpoint whose policy
    /// name comes from configuration, so that a wrong name fails the start naming its key.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder.</typeparam>
    /// <param name="builder">The endpoint(s).</param>
    /// <param name="policyName">The policy's name, as configured (a blank one is reported as a policy that does not exist).</param>
    /// <param name="services">The app's services (<c>app.Services</c>), where the policy is looked up.</param>
    /// <param name="source">Where the name comes from, which starts each error: a configuration key (<c>MyFeature:Policy</c>) or the mapping method.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="policyName"/> or <paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is null or blank.</exception>
    /// <exception cref="EdgeKit.Configuration.EdgeKitConfigurationException">
    /// The policy does not exist, or the authorization or authentication services it needs are missing; each error names
    /// <paramref name="source"/>.
    /// </exception>
    public static TBuilder RequireEdgeKitPolicy<TBuilder>(this TBuilder builder, string policyName, IServiceProvider services, string source)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policyName);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        AuthorizationPolicyMetadata.CheckEndpointPolicy(services, source, policyName);
        return builder.WithMetadata(AuthorizationPolicyMetadata.For(policyName));
    }
}
