namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// EdgeKit's named authorization policies (configuration section <c>EdgeKit:Authorization</c>). Each becomes an
/// ASP.NET Core authorization policy of the same name, so an endpoint refers to it with <c>RequireAuthorization(name)</c>
/// (or, for routes, by name in the route's configuration). Policies reload without a restart.
/// </summary>
public sealed class EdgeKitAuthorizationOptions
{
    /// <summary>The policy name that means "no authentication needed": <c>anonymous</c>.</summary>
    public const string AnonymousPolicyName = "anonymous";

    /// <summary>The policies, by name. A name here hides a policy of the same name registered in code with <c>AddPolicy</c>.</summary>
    public IDictionary<string, EdgeKitAuthorizationPolicyOptions> Policies { get; set; } =
        new Dictionary<string, EdgeKitAuthorizationPolicyOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The authentication schemes a policy uses when it names none (for example <c>["Bearer", "ApiKey"]</c>). Empty
    /// (default): ASP.NET's default authentication scheme.
    /// </summary>
    public IList<string> DefaultAuthenticationSchemes { get; set; } = [];
}
