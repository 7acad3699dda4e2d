using Microsoft.AspNetCore.Authorization;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>Requires the caller to have every one of <see cref="Scopes"/>; met by <see cref="ScopeAuthorizationHandler"/>.</summary>
public sealed class ScopeAuthorizationRequirement : IAuthorizationRequirement
{
    /// <summary>Creates the requirement.</summary>
    /// <param name="scopes">The scopes required, all of them; copied.</param>
    /// <exception cref="ArgumentException">When no scope is given, or one is empty or contains a space.</exception>
    public ScopeAuthorizationRequirement(IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        Scopes = [.. scopes];
        if (Scopes.Count == 0 || Scopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ')))
        {
            throw new ArgumentException("A scope requirement needs at least one scope, each non-empty and without spaces.", nameof(scopes));
        }
    }

    /// <summary>The scopes required.</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <inheritdoc />
    public override string ToString() => $"ScopeAuthorizationRequirement: requires scopes {string.Join(", ", Scopes)}";
}
