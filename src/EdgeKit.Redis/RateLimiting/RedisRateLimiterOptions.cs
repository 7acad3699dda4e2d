namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// Options of a token bucket kept in Redis and shared by every instance that uses the same Redis, policy name and key:
/// <see cref="PermitLimit"/> permits per <see cref="Window"/>, refilled continuously, holding at most <see cref="Burst"/>.
/// </summary>
public sealed class RedisRateLimiterOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>: <c>edgekit:rl:</c>.</summary>
    public const string DefaultKeyPrefix = "edgekit:rl:";

    /// <summary>The default <see cref="PolicyName"/>: <c>default</c>.</summary>
    public const string DefaultPolicyName = "default";

    /// <summary>
    /// The name of the options the <c>redis</c> store uses for gateway policies with <c>"Store": "redis"</c>:
    /// <see cref="Timeout"/>, <see cref="FailureMode"/>, <see cref="BreakDuration"/>, <see cref="KeyPrefix"/>,
    /// <see cref="MaxOverLimitCacheEntries"/> and <see cref="Database"/> (the limit comes from each policy). Configure
    /// them with <c>services.Configure&lt;RedisRateLimiterOptions&gt;(RedisRateLimiterOptions.StoreDefaultsName, o =&gt; ...)</c>.
    /// </summary>
    public const string StoreDefaultsName = "edgekit-redis-store";

    /// <summary>The default <see cref="Timeout"/>: 250 ms.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The default <see cref="BreakDuration"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="MaxOverLimitCacheEntries"/>: 10,000.</summary>
    public const int DefaultMaxOverLimitCacheEntries = 10_000;

    /// <summary>
    /// The policy's name: part of every Redis key (so two policies never share a bucket) and advertised as the
    /// <see cref="EdgeKit.RateLimiting.RateLimitQuota.Policy"/>. Default <c>default</c>; not empty, no <c>{</c> or <c>}</c>.
    /// </summary>
    public string PolicyName { get; set; } = DefaultPolicyName;

    /// <summary>Permits per <see cref="Window"/>: the sustained rate. Required: at least 1.</summary>
    public int PermitLimit { get; set; }

    /// <summary>The window <see cref="PermitLimit"/> applies to; the bucket refills continuously (not in steps). Required: from 1 ms to 1 day.</summary>
    public TimeSpan Window { get; set; }

    /// <summary>
    /// The bucket's capacity: permits a client may take at once after being idle. 0 (the default) means
    /// <see cref="PermitLimit"/>. <c>Burst × Window</c> in microseconds must stay below 2^53.
    /// </summary>
    public int Burst { get; set; }

    /// <summary>
    /// Prefix of every Redis key. Keys are <c>{KeyPrefix}{PolicyName}:{{partition key}}</c>: the partition key is a
    /// Redis Cluster hash tag. Default <c>edgekit:rl:</c>; no <c>{</c> or <c>}</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>
    /// The longest a decision waits for Redis before <see cref="FailureMode"/> answers instead. Default 250 ms; from
    /// 1 ms to 30 s.
    /// </summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>What to answer when Redis cannot decide (down, unreachable, timed out). Default <see cref="RedisRateLimiterFailureMode.FailOpen"/>.</summary>
    public RedisRateLimiterFailureMode FailureMode { get; set; } = RedisRateLimiterFailureMode.FailOpen;

    /// <summary>
    /// After a Redis call fails or times out, decisions skip Redis for this long (answering with <see cref="FailureMode"/>),
    /// then one call probes it again, so a slow or dead Redis costs one timeout per period rather than one per request.
    /// Also the <c>Retry-After</c> of fail-closed rejections. Default 5 s; from 0 (no break) to 5 min.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = DefaultBreakDuration;

    /// <summary>
    /// Keys that Redis rejected are answered locally until their retry-after passes, sparing Redis the calls that
    /// would be rejected anyway. At most this many keys are held; when full, new rejections are not cached.
    /// Default 10,000; 0 turns the cache off.
    /// </summary>
    public int MaxOverLimitCacheEntries { get; set; } = DefaultMaxOverLimitCacheEntries;

    /// <summary>The Redis database number; -1 (the default) uses the connection's default database.</summary>
    public int Database { get; set; } = -1;
}
