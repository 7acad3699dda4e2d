using EdgeKit.Auth;
using Microsoft.AspNetCore.Authorization;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// Meets a <see cref="ScopeAuthorizationRequirement"/> when the caller's <c>scope</c> and <c>scp</c> claims, each
/// read as a space-separated list (RFC 8693 §4.2), together contain every required scope.
/// </summary>
public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeAuthorizationRequirement>
{
    /// <inheritdoc />
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeAuthorizationRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        foreach (var scope in requirement.Scopes)
        {
            if (!HasScope(context, scope))
            {
                return Task.CompletedTask;
            }
        }

        context.Succeed(requirement);
        return Task.CompletedTask;
    }

    private static bool HasScope(AuthorizationHandlerContext context, string scope)
    {
        foreach (var claim in context.User.Claims)
        {
            if (claim.Type is not (EdgeKitClaimTypes.Scope or EdgeKitClaimTypes.ScopeAlternative))
            {
                continue;
            }

            foreach (var range in claim.Value.AsSpan().Split(' '))
            {
                if (claim.Value.AsSpan()[range].SequenceEqual(scope))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
