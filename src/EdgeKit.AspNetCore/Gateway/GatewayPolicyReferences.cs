using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.DependencyInjection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// Resolves, at start and on every reload, the names routes give to the app's own policies: authorization policies
/// (through the app's <see cref="IAuthorizationPolicyProvider"/>), rate-limiter policies (EdgeKit's and the app's
/// <see cref="RateLimiterOptions"/> policies) and CORS policies; and checks that the services and middleware they need
/// are there. A name that resolves to nothing would otherwise start fine and answer every request with an empty 500,
/// and an app's own rate-limiter policy without <c>app.UseRateLimiter()</c> would leave the route unlimited (EdgeKit's
/// policies limit a route in the route's own delegate and need no middleware).
/// </summary>
internal sealed class GatewayPolicyReferences(IServiceProvider services, RateLimiterMiddlewarePresence presence)
{
    /// <summary>Adds a sentence per route whose policy names do not resolve.</summary>
    /// <param name="options">The gateway options.</param>
    /// <param name="errors">Receives the problems.</param>
    public void Check(GatewayOptions options, List<string> errors)
    {
        RateLimiterPolicyNames? rateLimiterPolicies = null;
        foreach (var (id, route) in options.Routes)
        {
            if (route is null)
            {
                continue;
            }

            string path = RoutePath(id, route);
            if (route.AuthorizationPolicy is { } authorization && !authorization.Equals(AuthorizationPolicyMetadata.Anonymous, StringComparison.OrdinalIgnoreCase))
            {
                CheckAuthorization(path, authorization, errors);
            }

            if (route.RateLimiterPolicy is { } limiter && !limiter.Equals("disable", StringComparison.OrdinalIgnoreCase))
            {
                rateLimiterPolicies ??= new RateLimiterPolicyNames(services);
                if (rateLimiterPolicies.Exists(limiter) == false)
                {
                    errors.Add($"{path}: RateLimiterPolicy '{limiter}' does not exist ({rateLimiterPolicies.Known(limiter)}); define it under EdgeKit:RateLimiting:Policies or with builder.Services.AddRateLimiter(o => o.AddPolicy(...)).");
                }

                // An EdgeKit policy limits the route in the route's own delegate; only the app's own policies need the middleware.
                if (presence.Checked && !presence.Built && !IsEdgeKitPolicy(limiter))
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

    /// <summary>Whether <paramref name="name"/> is one of EdgeKit's policies (false when they cannot be built: their own validation reports why).</summary>
    private bool IsEdgeKitPolicy(string name)
    {
        try
        {
            return services.GetService<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicies>()?.Policies.ContainsKey(name) == true;
        }
        catch (Exception ex) when (ex is OptionsValidationException or EdgeKitConfigurationException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Resolves the policy an EdgeKit endpoint (<c>MapEdgeKitDashboard</c>, <c>MapEdgeKitStatus</c>) requires, when it is
    /// mapped: a name defined nowhere would make it answer every request with 500.
    /// </summary>
    /// <exception cref="EdgeKitConfigurationException">The policy or the services it needs are missing.</exception>
    public void CheckEndpointPolicy(string caller, string policy) => AuthorizationPolicyMetadata.CheckEndpointPolicy(services, caller, policy);

    /// <summary>The path errors about a route name: the YARP or Ocelot key it was imported from, or <c>EdgeKit:Routes:&lt;id&gt;</c>.</summary>
    internal static string RoutePath(string id, GatewayRouteOptions route) => SourcePaths.Of(route) ?? $"EdgeKit:Routes:{id}";

    private void CheckAuthorization(string path, string policy, List<string> errors) => AuthorizationPolicyMetadata.Check(services, path, policy, errors);

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
/// Whether a rate-limiter policy name is defined, asked through ASP.NET Core's public API only:
/// <see cref="RateLimiterOptions"/> keeps its policies in internal dictionaries and lists no names, but
/// <see cref="RateLimiterOptions.AddPolicy{TPartitionKey}(string, Func{HttpContext, RateLimitPartition{TPartitionKey}})"/>
/// throws <see cref="ArgumentException"/> for a name already added. So a fresh <see cref="RateLimiterOptions"/> is set up
/// exactly as the app's is (every <c>AddRateLimiter</c> and EdgeKit policy applied, from the options factory) and each
/// name asked is added to it: refused means defined. The fresh copy is thrown away; the app's options are never touched.
/// The answer is calibrated on EdgeKit's own probe policy, always defined: should a later ASP.NET Core stop refusing
/// duplicates, names are not checked (<see cref="Exists"/> answers null) rather than all reported missing.
/// </summary>
internal sealed class RateLimiterPolicyNames
{
    private readonly RateLimiterOptions? _copy;
    private readonly Dictionary<string, bool> _answers = new(StringComparer.Ordinal);
    private readonly IServiceProvider _services;

    public RateLimiterPolicyNames(IServiceProvider services)
    {
        _services = services;
        RateLimiterOptions copy;
        try
        {
            copy = services.GetRequiredService<IOptionsFactory<RateLimiterOptions>>().Create(Options.DefaultName);
        }
        catch (Exception ex) when (ex is OptionsValidationException or EdgeKitConfigurationException or InvalidOperationException)
        {
            // EdgeKit's rate-limit policies do not validate: that is reported with their own keys; names are not checked.
            return;
        }

        _copy = TryAdd(copy, RateLimiterMiddlewareProbe.PolicyName) ? null : copy;
    }

    /// <summary>Whether <paramref name="name"/> is a policy; null when this ASP.NET Core cannot tell.</summary>
    public bool? Exists(string name)
    {
        if (_copy is null)
        {
            return null;
        }

        if (!_answers.TryGetValue(name, out bool exists))
        {
            // Adding it makes it exist in the copy: remember the first answer.
            exists = !TryAdd(_copy, name);
            _answers[name] = exists;
        }

        return exists;
    }

    /// <summary>
    /// The policies that can be listed, EdgeKit's own, with the one <paramref name="name"/> probably meant; an app's
    /// <c>AddRateLimiter</c> policies are found by name, but ASP.NET Core has no public list of them.
    /// </summary>
    public string Known(string name)
    {
        var names = (_services.GetService<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicies>()?.Policies.Keys ?? []).Order(StringComparer.Ordinal).ToList();
        string known = names.Count == 0 ? "EdgeKit defines none" : "EdgeKit's policies: " + string.Join(", ", names);
        if (SettingNames.Closest(name, names) is { } meant)
        {
            known += $" (did you mean '{meant}'?)";
        }

        return known + "; the app's own AddRateLimiter policies are looked up by name, ASP.NET Core does not list them";
    }

    private static bool TryAdd(RateLimiterOptions options, string name)
    {
        try
        {
            options.AddPolicy(name, static _ => RateLimitPartition.GetNoLimiter(string.Empty));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>
/// Fails the start, before the server listens, when a route names a rate-limiter or CORS policy and the rate-limiting or
/// CORS middleware is not in the pipeline; from then on, a reload adding one is rejected.
/// </summary>
/// <remarks>
/// The web host builds the pipeline (every middleware constructed: the rate limiter activates its policies, the probe
/// among them; the CORS middleware resolves <see cref="ICorsService"/>) and only then starts the server. This filter
/// adds, before every other middleware, one whose factory runs the check: <c>ApplicationBuilder.Build()</c> calls the
/// factories from the last middleware added to the first, so it runs once all the others are constructed, and a failure
/// there fails the host's start before the server accepts a connection. Per request it adds nothing (it returns the next
/// delegate itself).
/// </remarks>
internal sealed class GatewayMiddlewareStartupFilter(GatewayPolicyReferences references, RateLimiterMiddlewarePresence presence, IServiceProvider services) : Microsoft.AspNetCore.Hosting.IStartupFilter
{
    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(CheckWhenBuilt);
        next(app);
    };

    private RequestDelegate CheckWhenBuilt(RequestDelegate next)
    {
        // Which ICorsService the app has: resolving the probe marks it built, so keep what the pipeline's build said.
        bool corsBuilt = presence.CorsBuilt;
        presence.CorsProbeActive = services.GetService<ICorsService>() is CorsMiddlewareProbe;
        presence.CorsBuilt = corsBuilt;
        presence.Checked = true;
        var errors = new List<string>();
        references.Check(services.GetRequiredService<GatewayConfiguration>().Current.Options, errors);
        return errors.Count > 0 ? throw new EdgeKitConfigurationException(errors) : next;
    }
}

/// <summary>
/// The gateway's checks across keys (routes' clusters, aggregates, cache policies, identity forwarding, transforms, and at
/// start the app's policies), in the report of every problem of a configuration (<see cref="ConfigurationCheck.Report()"/>).
/// </summary>
internal sealed class GatewayConfigurationRule(IServiceProvider services) : IConfigurationRule
{
    public void Check(List<string> errors, bool starting)
    {
        var options = services.GetRequiredService<IOptionsFactory<GatewayOptions>>().Create(Options.DefaultName);
        var clusters = services.GetRequiredService<IOptionsFactory<EdgeKitOptions>>().Create(Options.DefaultName);
        var aggregation = services.GetRequiredService<IOptionsFactory<EdgeKit.Configuration.AggregationOptions>>().Create(Options.DefaultName);
        var transforms = services.GetRequiredService<Transforms.IRouteTransformBuilder>();
        GatewayOptionsValidator.Build(options, clusters, transforms, errors, aggregation, services.GetService<EdgeKit.Caching.HttpCacheRegistry>()?.Names);
        if (starting)
        {
            // The app's authorization and rate-limiter policies are read through options it caches: only at start, when
            // nothing read here can outlive the failed start. On reload, the gateway checks them on the options that bind.
            services.GetRequiredService<GatewayPolicyReferences>().Check(options, errors);
        }
    }
}
