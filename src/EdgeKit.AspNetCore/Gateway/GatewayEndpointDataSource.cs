using EdgeKit.AspNetCore.Aggregation;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Caching;
using EdgeKit.AspNetCore.Configuration;
using Microsoft.Extensions.DependencyInjection;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Protocols;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.Gateway;

/// <summary>
/// The gateway's routes as ASP.NET endpoints, so authentication, authorization, rate limiting, CORS and the rest of
/// ASP.NET's endpoint-aware middleware apply to them. Rebuilt when the routes change.
/// </summary>
internal sealed class GatewayEndpointDataSource : EndpointDataSource, IEndpointConventionBuilder
{
    private readonly GatewayConfiguration _configuration;
    private readonly HttpForwarder _forwarder;
    private readonly List<Action<EndpointBuilder>> _conventions = [];
    private readonly List<Action<EndpointBuilder>> _finallyConventions = [];
    private readonly object _lock = new();
    private GatewayConfiguration.State? _builtFrom;
    private IReadOnlyList<Endpoint> _endpoints = [];

    private readonly IAggregateEndpointFactory? _aggregates;

    private readonly IServiceProvider _services;

    public GatewayEndpointDataSource(GatewayConfiguration configuration, HttpForwarder forwarder, IServiceProvider services, IAggregateEndpointFactory? aggregates = null)
    {
        _configuration = configuration;
        _forwarder = forwarder;
        _services = services;
        _aggregates = aggregates;
    }

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            var state = _configuration.Current;
            if (!ReferenceEquals(Volatile.Read(ref _builtFrom), state))
            {
                lock (_lock)
                {
                    if (!ReferenceEquals(_builtFrom, state))
                    {
                        _endpoints = BuildEndpoints(state);
                        Volatile.Write(ref _builtFrom, state);
                    }
                }
            }

            return _endpoints;
        }
    }

    public override IChangeToken GetChangeToken() => _configuration.GetChangeToken();

    public void Add(Action<EndpointBuilder> convention)
    {
        ArgumentNullException.ThrowIfNull(convention);
        lock (_lock)
        {
            _conventions.Add(convention);
            _builtFrom = null;
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        ArgumentNullException.ThrowIfNull(finallyConvention);
        lock (_lock)
        {
            _finallyConventions.Add(finallyConvention);
            _builtFrom = null;
        }
    }

    private List<Endpoint> BuildEndpoints(GatewayConfiguration.State state)
    {
        var endpoints = new List<Endpoint>(state.Routes.Count);
        foreach (var route in state.Routes)
        {
            endpoints.Add(BuildEndpoint(route, state.Forwarder));
        }

        return endpoints;
    }

    private Endpoint BuildEndpoint(GatewayRoute route, ForwarderSettings settings)
    {
        var options = route.Options;
        var forwarder = _forwarder;
        RequestDelegate handler = options.Aggregate is { } aggregate
            ? (_aggregates ?? throw new InvalidOperationException($"Route '{route.Id}' targets aggregate '{aggregate}' but aggregate endpoints are not registered.")).Create(aggregate)
            : options.GrpcWeb
                ? context => GrpcWebTranslator.ForwardAsync(context, route, settings, forwarder)
                : context => forwarder.ForwardAsync(context, route, settings);
        if (options.CachePolicy is { } cachePolicy)
        {
            // The route caches by itself (no app-level middleware needed): the cache sits in front of the forwarder.
            var cache = new HttpCachingMiddleware(handler, _services.GetRequiredService<EdgeKit.Caching.HttpCacheRegistry>(), _services.GetRequiredService<IServiceScopeFactory>());
            handler = cache.InvokeAsync;
        }

        var pattern = RoutePatternFactory.Parse(options.Match.Path ?? RouteMatchOptions.CatchAllTemplate);
        var builder = new RouteEndpointBuilder(handler, pattern, options.Order)
        {
            DisplayName = $"EdgeKit route '{route.Id}'",
        };

        builder.Metadata.Add(new GatewayRouteMetadata(route));
        if (options.CachePolicy is { } policy)
        {
            builder.Metadata.Add(new EdgeKitCachePolicyMetadata(policy));
        }

        if (options.Match.Methods.Count > 0)
        {
            builder.Metadata.Add(new HttpMethodMetadata(options.Match.Methods.Select(m => m.ToUpperInvariant()).ToArray(), acceptCorsPreflight: options.CorsPolicy is not null));
        }

        if (options.Match.Hosts.Count > 0)
        {
            builder.Metadata.Add(new HostAttribute(options.Match.Hosts.ToArray()));
        }

        if (options.AuthorizationPolicy is { } authorizationPolicy)
        {
            builder.Metadata.Add(AuthorizationPolicyMetadata.For(authorizationPolicy));
        }

        EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimiterPolicy? rateLimit = null;
        switch (options.RateLimiterPolicy)
        {
            case null:
                break;
            case var name when name.Equals("disable", StringComparison.OrdinalIgnoreCase):
                builder.Metadata.Add(new DisableRateLimitingAttribute());
                break;
            case var name when _services.GetService<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicies>()?.Policies.TryGetValue(name, out var edgeKitPolicy) == true:
                // An EdgeKit policy limits the route in its own delegate (below), not through ASP.NET's middleware.
                rateLimit = edgeKitPolicy;
                break;
            case var name:
                builder.Metadata.Add(new EnableRateLimitingAttribute(name));
                break;
        }

        switch (options.CorsPolicy)
        {
            case null:
                break;
            case var name when name.Equals("disable", StringComparison.OrdinalIgnoreCase):
                builder.Metadata.Add(new DisableCorsAttribute());
                break;
            case var name when name.Equals("default", StringComparison.OrdinalIgnoreCase):
                builder.Metadata.Add(new EnableCorsAttribute());
                break;
            case var name:
                builder.Metadata.Add(new EnableCorsAttribute(name));
                break;
        }

        foreach (var convention in _conventions)
        {
            convention(builder);
        }

        foreach (var convention in _finallyConventions)
        {
            convention(builder);
        }

        // In front of the cache and the forwarder, where ASP.NET's middleware decided before (a cache hit takes a permit),
        // unless a convention turned rate limiting off for the endpoint (as the middleware would have honoured).
        if (rateLimit is not null && builder.Metadata.OfType<DisableRateLimitingAttribute>().FirstOrDefault() is null && builder.RequestDelegate is { } routeHandler)
        {
            builder.RequestDelegate = rateLimit.Limit(routeHandler);
        }

        return builder.Build();
    }
}
