using Microsoft.AspNetCore.Authorization;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// How EdgeKit reads an authorization policy name everywhere it takes one (routes, status API, dashboard):
/// <c>anonymous</c> allows anonymous access, <c>default</c> is the default policy, anything else names a policy.
/// </summary>
internal static class AuthorizationPolicyMetadata
{
    public const string Anonymous = "anonymous";

    public const string Default = "default";

    /// <summary>The endpoint metadata ASP.NET's authorization middleware reads for <paramref name="policy"/>.</summary>
    public static object For(string policy) =>
        policy.Equals(Anonymous, StringComparison.OrdinalIgnoreCase) ? new AllowAnonymousAttribute()
        : policy.Equals(Default, StringComparison.OrdinalIgnoreCase) ? new AuthorizeAttribute()
        : new AuthorizeAttribute(policy);
}
