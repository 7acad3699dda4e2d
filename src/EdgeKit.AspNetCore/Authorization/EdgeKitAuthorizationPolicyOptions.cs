namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// One authorization policy: who may call a route. Every condition set must hold: an authenticated caller (unless
/// <see cref="Anonymous"/>), all <see cref="Scopes"/>, one of the <see cref="Roles"/>, and each of the <see cref="Claims"/>.
/// </summary>
public sealed class EdgeKitAuthorizationPolicyOptions
{
    /// <summary>Whether anyone may call, authenticated or not. Then no other condition may be set. Default <see langword="false"/>.</summary>
    public bool Anonymous { get; set; }

    /// <summary>The scopes the caller must all have, from <c>scope</c> (space-separated, or one claim per scope) or <c>scp</c> claims.</summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary>Roles, of which the caller must have at least one.</summary>
    public IList<string> Roles { get; set; } = [];

    /// <summary>Claims the caller must have, by type: with one of the listed values, or, when the list is empty, with any value.</summary>
    public IDictionary<string, IList<string>> Claims { get; set; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary>The authentication schemes tried for this policy (for example <c>["Bearer"]</c>). Empty: <see cref="EdgeKitAuthorizationOptions.DefaultAuthenticationSchemes"/>.</summary>
    public IList<string> AuthenticationSchemes { get; set; } = [];
}
