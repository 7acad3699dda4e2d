using System.Globalization;
using System.Text.Json;
using EdgeKit.ConfigurationStore;
using EdgeKit.Redis.RateLimiting;
using StackExchange.Redis;

namespace EdgeKit.Redis.Configuration;

/// <summary>
/// A configuration store in Redis, for a fleet of gateways: the current version number and the kept versions (document,
/// who, when, what) under one key prefix. A write is one Lua script that compares the version, stores the new one,
/// drops the oldest beyond <see cref="RedisConfigurationStoreOptions.HistoryLength"/> and publishes the new version
/// number on the change channel, all atomically. Redis unreachable: every call throws
/// <see cref="ConfigurationStoreUnavailableException"/> (gateways keep what they applied and check again later).
/// </summary>
public sealed class RedisConfigurationStore : IConfigurationStore, IDisposable
{
    // KEYS[1] version, KEYS[2] versions hash; ARGV[1] expected version, ARGV[2] entry, ARGV[3] history length, ARGV[4] channel.
    private const string WriteScript = """
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if current ~= tonumber(ARGV[1]) then
          return {0, current}
        end
        local version = current + 1
        redis.call('HSET', KEYS[2], tostring(version), ARGV[2])
        redis.call('SET', KEYS[1], tostring(version))
        local keep = tonumber(ARGV[3])
        if version > keep then
          redis.call('HDEL', KEYS[2], tostring(version - keep))
        end
        redis.call('PUBLISH', ARGV[4], tostring(version))
        return {1, version}
        """;

    private readonly RedisConnection _connection;
    private readonly RedisKey _versionKey;
    private readonly RedisKey _versionsKey;
    private readonly RedisChannel _channel;
    private readonly int _historyLength;
    private readonly TimeProvider _time;

    /// <summary>Creates a store on a connection the caller owns.</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">Key prefix and history length; default <see cref="RedisConfigurationStoreOptions"/>.</param>
    /// <param name="timeProvider">Dates the versions written; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException">The key prefix is blank or the history length is less than 1.</exception>
    public RedisConfigurationStore(IConnectionMultiplexer connection, RedisConfigurationStoreOptions? options = null, TimeProvider? timeProvider = null)
        : this(new RedisConnection(connection), options, timeProvider)
    {
    }

    /// <summary>Creates a store that connects (in the background, retrying) with a StackExchange.Redis configuration string, and owns that connection.</summary>
    /// <param name="configuration">The configuration string, e.g. <c>redis-1:6379,password=...</c> (keep it in the instance's own configuration).</param>
    /// <param name="options">Key prefix and history length; default <see cref="RedisConfigurationStoreOptions"/>.</param>
    /// <param name="timeProvider">Dates the versions written; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is blank, the key prefix is blank or the history length is less than 1.</exception>
    public RedisConfigurationStore(string configuration, RedisConfigurationStoreOptions? options = null, TimeProvider? timeProvider = null)
        : this(new RedisConnection(configuration), options, timeProvider)
    {
    }

    private RedisConfigurationStore(RedisConnection connection, RedisConfigurationStoreOptions? options, TimeProvider? timeProvider)
    {
        options ??= new RedisConfigurationStoreOptions();
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            connection.Dispose();
            throw new ArgumentException("RedisConfigurationStoreOptions.KeyPrefix is blank.", nameof(options));
        }

        if (options.HistoryLength < 1)
        {
            connection.Dispose();
            throw new ArgumentException($"RedisConfigurationStoreOptions.HistoryLength is {options.HistoryLength}; it must be at least 1.", nameof(options));
        }

        _connection = connection;
        string prefix = "{" + options.KeyPrefix + "}";
        _versionKey = prefix + ":version";
        _versionsKey = prefix + ":versions";
        _channel = RedisChannel.Literal(prefix + ":changed");
        _historyLength = options.HistoryLength;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public Task<ConfigurationVersion?> GetCurrentAsync(CancellationToken cancellationToken = default) => Run(async database =>
    {
        var current = await database.StringGetAsync(_versionKey).ConfigureAwait(false);
        return current.TryParse(out long version) ? await ReadAsync(database, version).ConfigureAwait(false) : null;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<ConfigurationVersion?> GetVersionAsync(long version, CancellationToken cancellationToken = default) =>
        version < 1 ? Task.FromResult<ConfigurationVersion?>(null) : Run(database => ReadAsync(database, version), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ConfigurationVersion>> GetHistoryAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Run<IReadOnlyList<ConfigurationVersion>>(async database =>
        {
            var current = await database.StringGetAsync(_versionKey).ConfigureAwait(false);
            if (!current.TryParse(out long newest))
            {
                return [];
            }

            var fields = new List<RedisValue>();
            for (long version = newest; version >= 1 && fields.Count < count; version--)
            {
                fields.Add(version);
            }

            var entries = await database.HashGetAsync(_versionsKey, [.. fields]).ConfigureAwait(false);
            var versions = new List<ConfigurationVersion>(entries.Length);
            for (int i = 0; i < entries.Length; i++)
            {
                if (!entries[i].IsNull)
                {
                    versions.Add(Parse((long)fields[i], entries[i]!));
                }
            }

            return versions;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ConfigurationVersion?> TryWriteAsync(long expectedVersion, string document, string? changedBy, string? change, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        ArgumentNullException.ThrowIfNull(document);
        var at = _time.GetUtcNow();
        string entry = Serialize(document, changedBy, at, change);
        return Run(async database =>
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(
                WriteScript,
                [_versionKey, _versionsKey],
                [expectedVersion, entry, _historyLength, _channel.ToString()]).ConfigureAwait(false))!;
            return (long)result[0] == 1 ? new ConfigurationVersion((long)result[1], document, changedBy, at, change) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable> SubscribeAsync(Action<long> changed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changed);
        try
        {
            var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
            var subscriber = connection.GetSubscriber();
            Action<RedisChannel, RedisValue> handler = (_, message) =>
            {
                if (message.TryParse(out long version))
                {
                    changed(version);
                }
            };
            // StackExchange.Redis subscribes again by itself after a reconnection.
            await subscriber.SubscribeAsync(_channel, handler).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Subscription(subscriber, _channel, handler);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Disposes the connection the store made (never a given one).</summary>
    public void Dispose() => _connection.Dispose();

    private async Task<T> Run<T>(Func<IDatabase, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
            return await operation(connection.GetDatabase()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    private static ConfigurationStoreUnavailableException Unavailable(Exception ex) =>
        new($"The Redis configuration store cannot be reached: {ex.Message}", ex);

    private async Task<ConfigurationVersion?> ReadAsync(IDatabase database, long version)
    {
        var entry = await database.HashGetAsync(_versionsKey, version).ConfigureAwait(false);
        return entry.IsNull ? null : Parse(version, entry!);
    }

    private static string Serialize(string document, string? changedBy, DateTimeOffset at, string? change)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("document", document);
            writer.WriteString("changedBy", changedBy);
            writer.WriteString("changedAt", at);
            writer.WriteString("change", change);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static ConfigurationVersion Parse(long version, string entry)
    {
        try
        {
            using var json = JsonDocument.Parse(entry);
            var root = json.RootElement;
            return new ConfigurationVersion(
                version,
                root.GetProperty("document").GetString()!,
                root.GetProperty("changedBy").GetString(),
                root.GetProperty("changedAt").GetDateTimeOffset(),
                root.GetProperty("change").GetString());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Version {version} in the Redis configuration store is not an entry this store wrote: {ex.Message}"), ex);
        }
    }

    private sealed class Subscription(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await subscriber.UnsubscribeAsync(channel, handler).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                // Unreachable or closing: the subscription ends with the connection.
            }
        }
    }
}
