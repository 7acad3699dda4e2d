using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>
/// The <see cref="IdentityForwarder"/> for each named <see cref="IdentityForwardingOptions"/> (a route's, for example),
/// built once and rebuilt when its options reload.
/// </summary>
public sealed class IdentityForwarderProvider : IDisposable
{
    private readonly IOptionsMonitor<IdentityForwardingOptions> _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, IdentityForwarder> _forwarders = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;

    /// <summary>Creates the provider.</summary>
    /// <param name="options">The named options.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    public IdentityForwarderProvider(IOptionsMonitor<IdentityForwardingOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _logger = loggerFactory.CreateLogger("EdgeKit.Auth.IdentityForwarding");
        _subscription = options.OnChange((_, name) => _forwarders.TryRemove(name ?? Options.DefaultName, out IdentityForwarder? removed));
    }

    /// <summary>The forwarder configured under <paramref name="name"/>.</summary>
    /// <param name="name">The options' name, as given to <c>AddIdentityForwarding</c>.</param>
    /// <returns>The forwarder.</returns>
    /// <exception cref="ArgumentException">When the named options are invalid.</exception>
    public IdentityForwarder Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _forwarders.GetOrAdd(name, n => new IdentityForwarder(_options.Get(n), _logger));
    }

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();
}
