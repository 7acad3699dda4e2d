using EdgeKit.ConfigurationStore;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>
/// The configuration provider a store backs. Added last to the app's configuration, it holds the applied document's
/// keys and, while a document is applied, hides every key the files give in the shared sections, so the document
/// replaces those sections entirely (a route it removes is gone). Applying a document raises the provider's reload
/// token: the configuration then reloads exactly as after a file change (strict checks, every validator, routes and
/// clusters rebuilt together, an invalid change refused and logged).
/// </summary>
internal sealed class SharedConfigurationProvider : ConfigurationProvider
{
    private readonly IConfigurationStore _store;
    private readonly ConfigurationStoreOptions _options;
    private readonly object _statusLock = new();
    private SharedConfigurationStatus _status = new() { Origin = SharedConfigurationOrigin.File, StoreReachable = true };
    private ConfigurationVersion? _applied;
    private bool _loaded;

    public SharedConfigurationProvider(IConfigurationStore store, ConfigurationStoreOptions options)
    {
        _store = store;
        _options = options;
        Document = new SharedDocument(options.SectionName, options.SharedSections);
    }

    /// <summary>A provider that holds a candidate document (the dry run's view of the configuration); it never loads.</summary>
    private SharedConfigurationProvider(SharedConfigurationProvider live, ConfigurationVersion candidate, Dictionary<string, string?> data)
    {
        _store = live._store;
        _options = live._options;
        Document = live.Document;
        _loaded = true;
        _applied = candidate;
        Data = data;
    }

    /// <summary>This provider as it would be with <paramref name="data"/> applied, apart from the live one.</summary>
    public SharedConfigurationProvider WithCandidate(Dictionary<string, string?> data) =>
        new(this, new ConfigurationVersion(1, "{}", null, DateTimeOffset.UnixEpoch, "candidate"), data);

    /// <summary>The options the provider was created with.</summary>
    public ConfigurationStoreOptions Options => _options;

    public SharedDocument Document { get; }

    public SharedConfigurationStatus Status => Volatile.Read(ref _status);

    /// <summary>The document applied; null while the shared sections come from the files.</summary>
    public ConfigurationVersion? Applied => Volatile.Read(ref _applied);

    /// <summary>Why the start did not use the store (it could not be reached), for the first log line; null otherwise.</summary>
    public string? StartupProblem { get; private set; }

    public void SetStatus(Func<SharedConfigurationStatus, SharedConfigurationStatus> change)
    {
        lock (_statusLock)
        {
            Volatile.Write(ref _status, change(_status));
        }
    }

    /// <summary>
    /// At start (the first load): the store's current document; when the store cannot be reached within
    /// <see cref="ConfigurationStoreOptions.StartupTimeout"/>, the cached document or the files, as configured. Later
    /// loads (an app reloading its configuration root) keep the document applied.
    /// </summary>
    public override void Load()
    {
        if (_loaded)
        {
            return;
        }

        _loaded = true;
        ConfigurationVersion? current;
        try
        {
            current = _store.GetCurrentAsync().WaitAsync(_options.StartupTimeout).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is ConfigurationStoreUnavailableException or TimeoutException)
        {
            StartupProblem = ex.Message;
            SetStatus(s => s with { StoreReachable = false, StoreError = ex.Message });
            if (_options.StartWithoutStore == ConfigurationStoreFallback.CachedDocument && DocumentCache.Read(_options.CacheFile) is { } cached
                && Document.Flatten(cached.Document, []) is { } cachedData)
            {
                Set(cached, cachedData, SharedConfigurationOrigin.Cache, TimeProvider.System.GetUtcNow());
            }

            return;
        }

        if (current is not null)
        {
            var errors = new List<string>();
            if (Document.Flatten(current.Document, errors) is not { } data)
            {
                // Documents are validated before they are stored; one that is not even a document was written by other means.
                throw new EdgeKit.Configuration.EdgeKitConfigurationException(errors);
            }

            Set(current, data, SharedConfigurationOrigin.Store, TimeProvider.System.GetUtcNow());
            DocumentCache.Write(_options.CacheFile, current);
        }
    }

    /// <summary>
    /// Puts a document (validated by the caller) in place and reloads the configuration, on this thread. The status is
    /// left as it is: the caller publishes the version (<see cref="Publish"/>) once the gateway serves it, so the status
    /// never names a version whose routes are not in force yet, nor one the gateway refuses.
    /// </summary>
    public void Apply(ConfigurationVersion version, Dictionary<string, string?> data)
    {
        Data = data;
        Volatile.Write(ref _applied, version);
        OnReload();
    }

    /// <summary>Names <paramref name="version"/> as the one in force in the status (it is what the gateway serves now).</summary>
    public void Publish(ConfigurationVersion version, SharedConfigurationOrigin origin, DateTimeOffset at) =>
        SetStatus(s => s with { Origin = origin, AppliedVersion = version.Version, AppliedAt = at, LastRejected = null });

    /// <summary>Puts back a document applied before (or the files, for null) after the gateway refused the one applied.</summary>
    public void Restore(ConfigurationVersion? version, SharedConfigurationOrigin origin)
    {
        var data = version is null ? null : Document.Flatten(version.Document, []);
        Data = data ?? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Volatile.Write(ref _applied, data is null ? null : version);
        OnReload();
        SetStatus(s => s with { Origin = data is null ? SharedConfigurationOrigin.File : origin, AppliedVersion = data is null ? null : version!.Version });
    }

    /// <summary>At start, before the gateway is built from the configuration: the document and the status together.</summary>
    private void Set(ConfigurationVersion version, Dictionary<string, string?> data, SharedConfigurationOrigin origin, DateTimeOffset at)
    {
        Data = data;
        Volatile.Write(ref _applied, version);
        SetStatus(s => s with { Origin = origin, AppliedVersion = version.Version, AppliedAt = at });
    }

    public override bool TryGet(string key, out string? value)
    {
        if (Applied is null || !Document.IsShared(key))
        {
            value = null;
            return false;
        }

        // Found, null when the document does not have it: a file's key in a shared section is hidden.
        Data.TryGetValue(key, out value);
        return true;
    }

    public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
    {
        if (Applied is null)
        {
            return earlierKeys;
        }

        if (parentPath is not null && Document.IsShared(parentPath))
        {
            // Inside a shared section only the document's keys exist.
            return base.GetChildKeys([], parentPath);
        }

        if (parentPath is not null && string.Equals(parentPath, Document.SectionName, StringComparison.OrdinalIgnoreCase))
        {
            var shared = Document.SharedSections;
            var own = earlierKeys.Where(k => !shared.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
            return base.GetChildKeys(own, parentPath);
        }

        return base.GetChildKeys(earlierKeys, parentPath);
    }
}

/// <summary>The local file holding the last document an instance applied.</summary>
internal static class DocumentCache
{
    public static ConfigurationVersion? Read(string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            return new ConfigurationVersion(
                root.GetProperty("version").GetInt64(),
                root.GetProperty("document").GetString()!,
                root.TryGetProperty("changedBy", out var by) ? by.GetString() : null,
                root.GetProperty("changedAt").GetDateTimeOffset(),
                root.TryGetProperty("change", out var change) ? change.GetString() : null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            // A damaged cache is no cache: the instance starts from its files.
            return null;
        }
    }

    /// <summary>Writes the cache atomically (a temporary file moved over the old one); returns why it failed, or null.</summary>
    public static string? Write(string? path, ConfigurationVersion version)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            string temporary = path + ".tmp";
            using (var stream = File.Create(temporary))
            using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", version.Version);
                writer.WriteString("document", version.Document);
                writer.WriteString("changedBy", version.ChangedBy);
                writer.WriteString("changedAt", version.ChangedAt);
                writer.WriteString("change", version.Change);
                writer.WriteEndObject();
            }

            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }
}
