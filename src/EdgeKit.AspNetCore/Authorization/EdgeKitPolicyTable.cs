using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>
/// The ASP.NET policies built from <see cref="EdgeKitAuthorizationOptions"/>, swapped as a whole when the options
/// reload. A reload with any invalid policy is logged (event 1308, every problem) and ignored: the previous policies stay.
/// </summary>
internal sealed class EdgeKitPolicyTable : IDisposable
{
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;
    private volatile IReadOnlyDictionary<string, AuthorizationPolicy> _policies;

    public EdgeKitPolicyTable(IOptionsMonitor<EdgeKitAuthorizationOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = (ILogger?)loggerFactory?.CreateLogger("EdgeKit.Auth.Authorization") ?? NullLogger.Instance;
        var errors = new List<string>();
        var policies = Build(options.CurrentValue, errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EdgeKitAuthorizationOptions), errors);
        }

        _policies = policies;
        _subscription = options.OnChange(Reload);
    }

    public bool TryGet(string name, out AuthorizationPolicy policy) => _policies.TryGetValue(name, out policy!);

    public void Dispose() => _subscription?.Dispose();

    private void Reload(EdgeKitAuthorizationOptions options)
    {
        var errors = new List<string>();
        var policies = Build(options, errors);
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                AuthorizationLog.AuthorizationConfigurationRejected(_logger, error);
            }

            return;
        }

        _policies = policies;
    }

    /// <summary>Builds every policy; reports each problem, each prefixed with the policy's path.</summary>
    public static Dictionary<string, AuthorizationPolicy> Build(EdgeKitAuthorizationOptions options, List<string> errors)
    {
        var policies = new Dictionary<string, AuthorizationPolicy>(StringComparer.OrdinalIgnoreCase);
        var defaultSchemes = (options.DefaultAuthenticationSchemes ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
        foreach (var (name, policy) in options.Policies ?? new Dictionary<string, EdgeKitAuthorizationPolicyOptions>())
        {
            string path = $"EdgeKit:Authorization:Policies:{name}";
            if (policy is null)
            {
                continue;
            }

            var scopes = (policy.Scopes ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
            var roles = (policy.Roles ?? []).Where(r => !string.IsNullOrWhiteSpace(r)).ToArray();
            var claims = policy.Claims ?? new Dictionary<string, IList<string>>();
            var schemes = (policy.AuthenticationSchemes ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
            if (policy.Anonymous)
            {
                if (scopes.Length > 0 || roles.Length > 0 || claims.Count > 0)
                {
                    errors.Add($"{path}: an Anonymous policy cannot also require Scopes, Roles or Claims.");
                    continue;
                }

                // Anyone passes; the schemes still run so that a caller who is authenticated is known to the endpoint.
                policies[name] = new AuthorizationPolicyBuilder(schemes.Length > 0 ? schemes : defaultSchemes).RequireAssertion(static _ => true).Build();
                continue;
            }

            if (scopes.Any(s => s.Contains(' ')))
            {
                errors.Add($"{path}: a scope cannot contain a space; list each scope separately.");
                continue;
            }

            if (claims.Keys.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{path}: a claim type in Claims is empty.");
                continue;
            }

            var builder = new AuthorizationPolicyBuilder(schemes.Length > 0 ? schemes : defaultSchemes).RequireAuthenticatedUser();
            if (scopes.Length > 0)
            {
                builder.AddRequirements(new ScopeAuthorizationRequirement(scopes));
            }

            if (roles.Length > 0)
            {
                builder.RequireRole(roles);
            }

            foreach (var (type, values) in claims)
            {
                var allowed = (values ?? []).Where(v => !string.IsNullOrEmpty(v)).ToArray();
                if (allowed.Length == 0)
                {
                    builder.RequireClaim(type);
                }
                else
                {
                    builder.RequireClaim(type, allowed);
                }
            }

            policies[name] = builder.Build();
        }

        return policies;
    }
}
