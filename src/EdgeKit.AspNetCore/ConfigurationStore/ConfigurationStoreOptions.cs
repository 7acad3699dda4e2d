namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>
/// How a gateway reads its shared configuration document from an <see cref="EdgeKit.ConfigurationStore.IConfigurationStore"/>:
/// which sections the document holds, how often the store is checked, and where the instance starts from when the store
/// cannot be reached. Set in code (<c>AddConfigurationStore(..., options =&gt; ...)</c>).
/// </summary>
public sealed class ConfigurationStoreOptions
{
    /// <summary>The sections a document holds by default (below <see cref="SectionName"/>).</summary>
    public static IReadOnlyList<string> DefaultSharedSections { get; } =
        ["Routes", "Clusters", "RateLimiting", "Caching", "Aggregates", "IdentityForwarding", "SessionAffinity", "Forwarder"];

    /// <summary>The configuration section the document stands for; default <c>EdgeKit</c> (the one given to <c>AddGateway</c>).</summary>
    public string SectionName { get; set; } = "EdgeKit";

    /// <summary>
    /// The sections below <see cref="SectionName"/> the document holds (default <see cref="DefaultSharedSections"/>).
    /// While a document is applied, it replaces these sections of the instance's files entirely (a route the document
    /// does not have does not exist); the other sections (<c>Authentication</c>, <c>Status</c>...) stay each instance's own.
    /// </summary>
    public IList<string> SharedSections { get; set; } = [.. DefaultSharedSections];

    /// <summary>
    /// How often the instance asks the store for its current version, beside the store's change notifications: the
    /// longest a missed notification delays a change. Default 5 seconds; at least 100 ms.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the start waits for the store before using <see cref="StartWithoutStore"/>; default 5 seconds.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A local file where the instance keeps the last document it applied (written after each apply), read at start
    /// when the store cannot be reached and <see cref="StartWithoutStore"/> is <see cref="ConfigurationStoreFallback.CachedDocument"/>.
    /// Null (default): no file.
    /// </summary>
    public string? CacheFile { get; set; }

    /// <summary>What an instance starts from when the store cannot be reached; default <see cref="ConfigurationStoreFallback.CachedDocument"/>.</summary>
    public ConfigurationStoreFallback StartWithoutStore { get; set; } = ConfigurationStoreFallback.CachedDocument;
}

/// <summary>What a gateway starts from when its configuration store cannot be reached.</summary>
public enum ConfigurationStoreFallback
{
    /// <summary>The last document it applied, from <see cref="ConfigurationStoreOptions.CacheFile"/>; its file configuration when there is none.</summary>
    CachedDocument,

    /// <summary>Its file configuration (<c>appsettings.json</c>), whatever the cache holds.</summary>
    FileConfiguration,
}
