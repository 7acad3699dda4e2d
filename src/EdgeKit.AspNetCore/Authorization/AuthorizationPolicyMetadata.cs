using EdgeKit.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// How EdgeKit reads an authorization policy name everywhere it takes one (routes, status API, dashboard, admin API,
/// <c>RequireEdgeKitPolicy</c>): <c>anonymous</c> allows anonymous access, <c>default</c> is the default policy, anything
/// else names a policy; and the check, at start, that such a name resolves.
/// </summary>
internal static class AuthorizationPolicyMetadata
{
    public const string Anonymous = EdgeKitAuthorizationOptions.AnonymousPolicyName;

    public const string Default = "default";

    /// <summary>The endpoint metadata ASP.NET's authorization middleware reads for <paramref name="policy"/>.</summary>
    public static object For(string policy) =>
        policy.Equals(Anonymous, StringComparison.OrdinalIgnoreCase) ? new AllowAnonymousAttribute()
        : policy.Equals(Default, StringComparison.OrdinalIgnoreCase) ? new AuthorizeAttribute()
        : new AuthorizeAttribute(policy);

    /// <summary>
    /// Resolves the policy an endpoint requires, when it is mapped: a name defined nowhere would make it answer every
    /// request with 500.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="source">Where the name comes from: the start of each error (a configuration key, or the mapping method).</param>
    /// <param name="policy">The policy name.</param>
    /// <exception cref="EdgeKitConfigurationException">The policy or the services it needs are missing.</exception>
    public static void CheckEndpointPolicy(IServiceProvider services, string source, string policy)
    {
        if (policy.Equals(Anonymous, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var errors = new List<string>();
        Check(services, source, policy, errors);
        if (errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(errors);
        }
    }

    /// <summary>Adds a sentence to <paramref name="errors"/> when <paramref name="policy"/> (not <c>anonymous</c>) does not resolve, or misses the services it needs.</summary>
    public static void Check(IServiceProvider services, string path, string policy, List<string> errors)
    {
        var provider = services.GetService<IAuthorizationPolicyProvider>();
        if (provider is null || services.GetService<IAuthorizationService>() is null)
        {
            errors.Add($"{path}: AuthorizationPolicy '{policy}' needs ASP.NET Core authorization; call builder.Services.AddAuthorization().");
            return;
        }

        AuthorizationPolicy? found;
        try
        {
            found = policy.Equals(Default, StringComparison.OrdinalIgnoreCase)
                ? provider.GetDefaultPolicyAsync().GetAwaiter().GetResult()
                : provider.GetPolicyAsync(policy).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException or EdgeKitConfigurationException)
        {
            errors.Add($"{path}: AuthorizationPolicy '{policy}' cannot be resolved: {ex.Message}");
            return;
        }

        if (found is null)
        {
            errors.Add($"{path}: AuthorizationPolicy '{policy}' does not exist; define it under EdgeKit:Authorization:Policies or with builder.Services.AddAuthorization(o => o.AddPolicy(\"{policy}\", ...)), or use 'default' or 'anonymous'.");
            return;
        }

        // A policy about the caller's identity (anything but bare assertions) needs an authentication scheme to find it.
        bool needsIdentity = found.AuthenticationSchemes.Count > 0 || !found.Requirements.All(r => r is Microsoft.AspNetCore.Authorization.Infrastructure.AssertionRequirement);
        if (needsIdentity && services.GetService<IAuthenticationSchemeProvider>() is null)
        {
            errors.Add($"{path}: AuthorizationPolicy '{policy}' needs authentication; call builder.Services.AddAuthentication() and add a scheme (AddEdgeKitJwt, AddEdgeKitApiKeys, AddEdgeKitHmac...).");
        }
    }
}
