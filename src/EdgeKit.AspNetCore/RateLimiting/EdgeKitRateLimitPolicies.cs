using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>The EdgeKit policies of the app, built once from <see cref="EdgeKitRateLimitingOptions"/>, owned (and disposed) by the container.</summary>
internal sealed class EdgeKitRateLimitPolicies : IDisposable
{
    private readonly Dictionary<string, EdgeKitRateLimiterPolicy> _policies = new(StringComparer.Ordinal);

    public EdgeKitRateLimitPolicies(IOptions<EdgeKitRateLimitingOptions> options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EdgeKit.RateLimiting");
        var settings = options.Value;
        var clientIps = new ClientIpResolver(settings.TrustedProxies, settings.TrustedNetworks, settings.ForwardedForHeader);
        foreach (var (name, policy) in settings.Policies)
        {
            _policies[name] = new EdgeKitRateLimiterPolicy(name, policy, clientIps, settings.EmitRateLimitHeaders, timeProvider, logger);
        }
    }

    public IReadOnlyDictionary<string, EdgeKitRateLimiterPolicy> Policies => _policies;

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
