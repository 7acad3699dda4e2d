using EdgeKit.AspNetCore.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>The EdgeKit policies of the app, built once from <see cref="EdgeKitRateLimitingOptions"/>, owned (and disposed) by the container.</summary>
internal sealed class EdgeKitRateLimitPolicies : IDisposable
{
    private readonly Dictionary<string, EdgeKitRateLimiterPolicy> _policies = new(StringComparer.Ordinal);

    public EdgeKitRateLimitPolicies(IOptions<EdgeKitRateLimitingOptions> options, IEnumerable<IRateLimiterStore> stores, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        var byName = StoresByName(stores);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.RateLimiting");
        var settings = options.Value;
        // The validator has reported any bad entry (and failed the start); the good ones are trusted.
        var clientIps = new ClientIpResolver(TrustedProxies.Parse(settings.KnownProxies, EdgeKitRateLimitingOptionsValidator.KnownProxiesPath, []), settings.ForwardedForHeader);
        foreach (var (name, policy) in settings.Policies)
        {
            if (!byName.TryGetValue(policy.Store ?? RateLimiterStoreNames.Local, out var store))
            {
                throw new InvalidOperationException(
                    $"Rate-limit policy '{name}' uses store '{policy.Store}', which is not registered (registered: {string.Join(", ", byName.Keys.Order())}).");
            }

            _policies[name] = new EdgeKitRateLimiterPolicy(name, policy, store, clientIps, settings.EmitRateLimitHeaders, timeProvider, logger);
        }
    }

    public IReadOnlyDictionary<string, EdgeKitRateLimiterPolicy> Policies => _policies;

    /// <summary>The registered stores by name (case-insensitive); two stores with one name are a configuration error.</summary>
    internal static Dictionary<string, IRateLimiterStore> StoresByName(IEnumerable<IRateLimiterStore> stores)
    {
        var byName = new Dictionary<string, IRateLimiterStore>(StringComparer.OrdinalIgnoreCase);
        foreach (var store in stores)
        {
            if (!byName.TryAdd(store.Name, store))
            {
                throw new InvalidOperationException($"Two rate-limiter stores are named '{store.Name}' ({byName[store.Name].GetType().Name} and {store.GetType().Name}).");
            }
        }

        return byName;
    }

    /// <summary>Registers every policy with ASP.NET Core's rate limiter under its name.</summary>
    public void AddTo(RateLimiterOptions options)
    {
        foreach (var (name, policy) in _policies)
        {
            options.AddPolicy(name, policy);
        }
    }

    public void Dispose()
    {
        foreach (var policy in _policies.Values)
        {
            policy.Dispose();
        }
    }
}
