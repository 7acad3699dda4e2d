using System.Collections.Concurrent;
using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.Caching;

/// <summary>
/// The named caches of an application: one <see cref="HttpCache"/> per policy, over the application's one
/// <see cref="IHttpCacheStore"/>. A policy's cache is rebuilt (with an empty coalescer; stored entries stay) when its
/// options change. A singleton service once <c>AddCaching</c> or <c>AddCachePolicy</c> was called.
/// </summary>
public sealed class HttpCacheRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpCache> _caches = new(StringComparer.OrdinalIgnoreCase);
    private readonly IOptionsMonitor<HttpCacheOptions> _options;
    private readonly HashSet<string> _names;
    private readonly IHttpCacheStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;

    internal HttpCacheRegistry(IOptionsMonitor<HttpCacheOptions> options, IOptions<HttpCachePolicyNames> names, IHttpCacheStore store,
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

    /// <summary>The defined policy names (compared case-insensitively).</summary>
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>The cache of the policy <paramref name="name"/>; the same instance until the policy's options change.</summary>
    /// <param name="name">The policy's name, case-insensitive.</param>
    /// <returns>The policy's cache.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="KeyNotFoundException">No policy has that name (the message says how to define it).</exception>
    public HttpCache Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
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
    internal static string OptionsName(string policyName) => policyName.ToLowerInvariant();

    /// <summary>Stops following the policies' option changes.</summary>
    public void Dispose() => _subscription?.Dispose();
}
