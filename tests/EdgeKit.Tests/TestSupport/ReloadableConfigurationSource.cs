using Microsoft.Extensions.Configuration;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// An in-memory configuration source whose whole content can be replaced, raising a reload exactly when
/// <see cref="Replace"/> is called: deterministic reloads, including removed keys.
/// </summary>
internal sealed class ReloadableConfigurationSource : IConfigurationSource
{
    private readonly Provider _provider = new();

    public ReloadableConfigurationSource(IDictionary<string, string?> data) => _provider.Set(data, reload: false);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    /// <summary>Replaces every key and raises the configuration's reload token.</summary>
    public void Replace(IDictionary<string, string?> data) => _provider.Set(data, reload: true);

    /// <summary>Builds a configuration holding only this source.</summary>
    public static (IConfigurationRoot Configuration, ReloadableConfigurationSource Source) Create(IDictionary<string, string?> data)
    {
        var source = new ReloadableConfigurationSource(data);
        return (new ConfigurationBuilder().Add(source).Build(), source);
    }

    private sealed class Provider : ConfigurationProvider
    {
        public void Set(IDictionary<string, string?> data, bool reload)
        {
            Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
            if (reload)
            {
                OnReload();
            }
        }
    }
}
