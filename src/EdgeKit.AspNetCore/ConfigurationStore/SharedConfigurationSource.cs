using EdgeKit.ConfigurationStore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>The configuration source of a store: always the same provider, so its state survives a rebuild of the sources.</summary>
internal sealed class SharedConfigurationSource(IConfigurationStore store, ConfigurationStoreOptions options) : IConfigurationSource
{
    public SharedConfigurationProvider Provider { get; } = new(store, options);

    public IConfigurationStore Store { get; } = store;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}

/// <summary>
/// A live provider seen without its loading and reloading: the dry run builds a configuration root from the app's
/// providers as they are now, with the candidate document in place of the applied one, and must neither reload files
/// nor subscribe to their changes.
/// </summary>
internal sealed class FrozenConfigurationProvider(IConfigurationProvider inner) : IConfigurationProvider
{
    private static readonly IChangeToken s_never = new CancellationChangeToken(CancellationToken.None);

    public bool TryGet(string key, out string? value) => inner.TryGet(key, out value);

    public void Set(string key, string? value)
    {
        // Never called: the candidate root is only read.
    }

    public IChangeToken GetReloadToken() => s_never;

    public void Load()
    {
        // The live provider is loaded already.
    }

    public IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) => inner.GetChildKeys(earlierKeys, parentPath);
}
