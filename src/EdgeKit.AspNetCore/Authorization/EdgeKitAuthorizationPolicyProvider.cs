using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// ASP.NET's policy provider, extended with EdgeKit's configured policies (which take precedence over code-registered
/// ones of the same name). Policies are not cached per endpoint by the authorization middleware, so reloads apply.
/// </summary>
internal sealed class EdgeKitAuthorizationPolicyProvider(IOptions<AuthorizationOptions> options, EdgeKitPolicyTable table)
    : DefaultAuthorizationPolicyProvider(options)
{
    public override Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
        table.TryGet(policyName, out var policy) ? Task.FromResult<AuthorizationPolicy?>(policy) : base.GetPolicyAsync(policyName);
}
