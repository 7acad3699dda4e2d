using System.Collections;
using System.Reflection;
using EdgeKit.DependencyInjection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// Resolves, at start and on every reload, the names routes give to the app's own policies: authorization policies
/// (through the app's <see cref="IAuthorizationPolicyProvider"/>), rate-limiter policies (EdgeKit's and the app's
/// <see cref="RateLimiterOptions"/> policies) and CORS policies; and checks that the services and middleware they need
/// are there. A name that resolves to nothing would otherwise start fine and answer every request with an empty 500,
/// and a rate-limiter policy without <c>app.UseRateLimiter()</c> would leave the route unlimited.
/// </summary>
internal sealed class GatewayPolicyReferences(IServiceProvider services, RateLimiterMiddlewarePresence presence)
{
    /// <summary>Adds a sentence per route whose policy names do not resolve.</summary>
    public void Check(GatewayOptions options, List<string> errors)
    {
        HashSet<string>? rateLimiterPolicies = null;
        bool rateLimiterNamesKnown = true;
        foreach (var (id, route) in options.Routes)
        {
            if (route is null)
            {
                continue;
            }

            string path = $"EdgeKit:Routes:{id}";
            if (route.AuthorizationPolicy is { } authorization && !authorization.Equals(AuthorizationPolicyMetadata.Anonymous, StringComparison.OrdinalIgnoreCase))
            {
                CheckAuthorization(path, authorization, errors);
            }

            if (route.RateLimiterPolicy is { } limiter && !limiter.Equals("disable", StringComparison.OrdinalIgnoreCase))
            {
                if (rateLimiterPolicies is null && rateLimiterNamesKnown)
                {
                    rateLimiterPolicies = RateLimiterPolicyNames(services.GetRequiredService<IOptions<RateLimiterOptions>>().Value);
                    rateLimiterNamesKnown = rateLimiterPolicies is not null;
                }

                if (rateLimiterPolicies is not null && !rateLimiterPolicies.Contains(limiter))
                {
                    var known = rateLimiterPolicies.Where(n => n != RateLimiterMiddlewareProbe.PolicyName).Order(StringComparer.Ordinal).ToList();
                    errors.Add($"{path}: RateLimiterPolicy '{limiter}' does not exist ({(known.Count == 0 ? "no rate-limiter policy is defined" : "known: " + string.Join(", ", known))}); define it under EdgeKit:RateLimiting:Policies or with builder.Services.AddRateLimiter(o => o.AddPolicy(...)).");
                }

                if (presence.Checked && !presence.Built)
                {
                    errors.Add($"{path}: RateLimiterPolicy '{limiter}' needs the rate-limiting middleware, which is not in the app's pipeline; add app.UseRateLimiter() (after app.UseRouting(), if the app calls it).");
                }
            }

            if (route.CorsPolicy is { } cors && !cors.Equals("disable", StringComparison.OrdinalIgnoreCase))
            {
                CheckCors(path, cors, errors);
            }
        }
    }

    /// <summary>
    /// Resolves the policy an EdgeKit endpoint (<c>MapEdgeKitDashboard</c>, <c>MapEdgeKitStatus</c>) requires, when it is
    /// mapped: a name defined nowhere would make it answer every request with 500.
    /// </summary>
    /// <exception cref="EdgeKitConfigurationException">The policy or the services it needs are missing.</exception>
    public void CheckEndpointPolicy(string caller, string policy)
    {
        if (policy.Equals(AuthorizationPolicyMetadata.Anonymous, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var errors = new List<string>();
        CheckAuthorization(caller, policy, errors);
        if (errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(errors);
        }
    }

    private void CheckAuthorization(string path, string policy, List<string> errors)
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
            found = policy.Equals(AuthorizationPolicyMetadata.Default, StringComparison.OrdinalIgnoreCase)
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

    private void CheckCors(string path, string policy, List<string> errors)
    {
        // Asked without resolving ICorsService: resolving it is what tells that the CORS middleware was built.
        if (services.GetService<IServiceProviderIsService>()?.IsService(typeof(ICorsPolicyProvider)) != true)
        {
            errors.Add($"{path}: CorsPolicy '{policy}' needs CORS; call builder.Services.AddCors(...) and app.UseCors().");
            return;
        }

        if (presence.Checked && presence.CorsProbeActive && !presence.CorsBuilt)
        {
            errors.Add($"{path}: CorsPolicy '{policy}' needs the CORS middleware, which is not in the app's pipeline; add app.UseCors() (after app.UseRouting(), if the app calls it).");
        }

        var options = services.GetRequiredService<IOptions<CorsOptions>>().Value;
        bool isDefault = policy.Equals("default", StringComparison.OrdinalIgnoreCase);
        if (options.GetPolicy(isDefault ? options.DefaultPolicyName : policy) is null)
        {
            errors.Add(isDefault
                ? $"{path}: CorsPolicy 'default' needs a default CORS policy; call builder.Services.AddCors(o => o.AddDefaultPolicy(...))."
                : $"{path}: CorsPolicy '{policy}' does not exist; define it with builder.Services.AddCors(o => o.AddPolicy(\"{policy}\", ...)).");
        }
    }

    /// <summary>
    /// The names of the policies in <paramref name="options"/> (EdgeKit's are added there too). ASP.NET Core keeps them in
    /// internal dictionaries; null when this version of ASP.NET Core keeps them elsewhere (the names are then not checked).
    /// </summary>
    internal static HashSet<string>? RateLimiterPolicyNames(RateLimiterOptions options)
    {
        const BindingFlags Flags = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in new[] { "PolicyMap", "UnactivatedPolicyMap" })
        {
            if (typeof(RateLimiterOptions).GetProperty(property, Flags)?.GetValue(options) is not IDictionary map)
            {
                return null;
            }

            foreach (var key in map.Keys)
            {
                names.Add((string)key);
            }
        }

        return names;
    }
}

/// <summary>
/// Whether the app's pipeline has the middleware routes need: the rate-limiting middleware activates every policy type
/// when it is built (the probe among them), and the CORS middleware resolves <see cref="ICorsService"/> when it is built.
/// </summary>
internal sealed class RateLimiterMiddlewarePresence
{
    /// <summary>The pipeline was built (the host started), so <see cref="Built"/> and <see cref="CorsBuilt"/> are known.</summary>
    public bool Checked { get; set; }

    /// <summary>The rate-limiting middleware was built.</summary>
    public bool Built { get; set; }

    /// <summary>The CORS middleware was built (<see cref="CorsMiddlewareProbe"/> was resolved).</summary>
    public bool CorsBuilt { get; set; }

    /// <summary>The app's <see cref="ICorsService"/> is the probe (not one of its own), so <see cref="CorsBuilt"/> means something.</summary>
    public bool CorsProbeActive { get; set; }
}

/// <summary>
/// ASP.NET Core's <see cref="CorsService"/>, registered in its place: the CORS middleware resolves
/// <see cref="ICorsService"/> when the pipeline is built, and nothing else in the gateway does, so its construction tells
/// that <c>app.UseCors()</c> is there. Behaviour is <see cref="CorsService"/>'s own.
/// </summary>
internal sealed class CorsMiddlewareProbe(IOptions<CorsOptions> options, ILoggerFactory loggerFactory, RateLimiterMiddlewarePresence presence)
    : ICorsService
{
    private readonly CorsService _inner = Mark(new CorsService(options, loggerFactory), presence);

    public CorsResult EvaluatePolicy(HttpContext context, CorsPolicy policy) => _inner.EvaluatePolicy(context, policy);

    public void ApplyResult(CorsResult result, HttpResponse response) => _inner.ApplyResult(result, response);

    private static CorsService Mark(CorsService service, RateLimiterMiddlewarePresence presence)
    {
        presence.CorsBuilt = true;
        return service;
    }
}

/// <summary>A policy no route uses; its construction tells that the rate-limiting middleware is in the pipeline.</summary>
internal sealed class RateLimiterMiddlewareProbe : IRateLimiterPolicy<string>
{
    public const string PolicyName = "edgekit-middleware-probe";

    public RateLimiterMiddlewareProbe(RateLimiterMiddlewarePresence presence) => presence.Built = true;

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => RateLimitPartition.GetNoLimiter(PolicyName);
}

/// <summary>
/// After the host started (the pipeline is built), fails the start when a route names a rate-limiter policy or a CORS
/// policy and the rate-limiting or CORS middleware is not in the pipeline; from then on, a reload adding one is rejected.
/// </summary>
internal sealed class GatewayMiddlewareStartupCheck(GatewayConfiguration configuration, GatewayPolicyReferences references, RateLimiterMiddlewarePresence presence, IServiceProvider services) : IHostedLifecycleService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // Which ICorsService the app has: resolving the probe marks it built, so keep what the pipeline's build said.
        bool corsBuilt = presence.CorsBuilt;
        presence.CorsProbeActive = services.GetService<ICorsService>() is CorsMiddlewareProbe;
        presence.CorsBuilt = corsBuilt;
        presence.Checked = true;
        var errors = new List<string>();
        references.Check(configuration.Current.Options, errors);
        return errors.Count > 0 ? throw new EdgeKitConfigurationException(errors) : Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
