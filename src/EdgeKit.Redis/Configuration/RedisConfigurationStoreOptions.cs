namespace EdgeKit.Redis.Configuration;

/// <summary>Where a <see cref="RedisConfigurationStore"/> keeps the shared configuration document and its history.</summary>
public sealed class RedisConfigurationStoreOptions
{
    /// <summary>
    /// The prefix of every key (and of the change channel): <c>{prefix}:version</c>, <c>{prefix}:versions</c> and
    /// <c>{prefix}:changed</c>, the prefix in braces so a Redis Cluster keeps them in one slot. Default <c>edgekit:config</c>;
    /// give each fleet sharing a Redis server its own.
    /// </summary>
    public string KeyPrefix { get; set; } = "edgekit:config";

    /// <summary>How many versions are kept, the current one included (older ones cannot be rolled back to); default 100, at least 1.</summary>
    public int HistoryLength { get; set; } = 100;
}
