using System.Collections.Concurrent;
using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.Caching;

/// <summary>
/// The named caches of an application: one <see cref="HttpCache"/> per policy, over the application's one
/// <see cref="IHttpCacheStore"/>. A policy's cache is rebuilt (with an empty coalescer; stored entries stay) when its
/// options change.
/// </summary>
internal sealed class HttpCacheRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpCache> _caches = new(StringComparer.OrdinalIgnoreCase);
    private readonly IOptionsMonitor<HttpCacheOptions> _options;
    private readonly HashSet<string> _names;
    private readonly IHttpCacheStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;

    public HttpCacheRegistry(IOptionsMonitor<HttpCacheOptions> options, IOptions<HttpCachePolicyNames> names, IHttpCacheStore store,
        TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options;
        _names = names.Value.Names;
        _store = store;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger("EdgeKit.Caching");
        _subscription = options.OnChange((_, name) =>
        {
            if (name is not null)
            {
                _caches.TryRemove(name, out HttpCache? _);
            }
        });
    }

    /// <summary>The defined policy names.</summary>
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>The cache of the policy <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No policy has that name.</exception>
    public HttpCache Get(string name)
    {
        if (_caches.TryGetValue(OptionsName(name), out var cache))
        {
            return cache;
        }

        if (!_names.Contains(name))
        {
            throw new KeyNotFoundException(
                $"No EdgeKit cache policy is named '{name}'. Define it with AddCachePolicy(\"{name}\", ...) or in configuration under EdgeKit:Caching:Policies:{name}.");
        }

        _names.TryGetValue(name, out string? defined);
        return _caches.GetOrAdd(OptionsName(name), n => new HttpCache(defined!, _options.Get(n), _store, _timeProvider, _logger));
    }

    /// <summary>Policy names are case-insensitive; named options are not, so every policy's options go by its lower-case name.</summary>
    public static string OptionsName(string policyName) => policyName.ToLowerInvariant();

    public void Dispose() => _subscription?.Dispose();
}
