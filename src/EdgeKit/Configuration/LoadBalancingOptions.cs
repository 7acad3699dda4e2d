namespace EdgeKit.Configuration;

/// <summary>How a cluster spreads requests over its destinations.</summary>
public sealed class LoadBalancingOptions
{
    /// <summary>The default <see cref="LatencyDecay"/>: 10 seconds (Finagle's and Linkerd's).</summary>
    public static readonly TimeSpan DefaultLatencyDecay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The strategy's name: one of <see cref="LoadBalancingStrategyNames"/> or a registered custom strategy.
    /// Default <see cref="LoadBalancingStrategyNames.PowerOfTwoChoices"/>.
    /// </summary>
    public string Strategy { get; set; } = LoadBalancingStrategyNames.Default;

    /// <summary>
    /// The time constant of the peak latency EWMA kept for every destination: an observation's weight
    /// falls to 1/e after this long. Default 10 s; must be positive.
    /// </summary>
    public TimeSpan LatencyDecay { get; set; } = DefaultLatencyDecay;

    /// <summary>Where a request's key comes from, for consistent hashing and session affinity.</summary>
    public RequestKeyOptions RequestKey { get; set; } = new();

    /// <summary>Settings of the <see cref="LoadBalancingStrategyNames.ConsistentHash"/> strategy.</summary>
    public ConsistentHashOptions ConsistentHash { get; set; } = new();

    /// <summary>Settings of the <see cref="LoadBalancingStrategyNames.SessionAffinity"/> strategy.</summary>
    public SessionAffinityOptions SessionAffinity { get; set; } = new();

    /// <summary>Free-form settings for custom strategies, which check them in their <c>ILoadBalancingStrategy.Validate</c>; ignored by the built-in ones.</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Where a request's key comes from. A key set explicitly on the request
/// (<c>EdgeKitRequestOptions.RequestKey</c> on an <see cref="HttpRequestMessage"/>) always wins;
/// otherwise the header, then the cookie, is read.
/// </summary>
public sealed class RequestKeyOptions
{
    /// <summary>A request header whose value is the key (for example <c>X-User-Id</c>); <see langword="null"/> for none.</summary>
    public string? Header { get; set; }

    /// <summary>A cookie whose value is the key (for example <c>session</c>); <see langword="null"/> for none.</summary>
    public string? Cookie { get; set; }
}

/// <summary>Settings of consistent hashing through a Maglev lookup table.</summary>
public sealed class ConsistentHashOptions
{
    /// <summary>
    /// The fewest table slots per destination: a <see cref="TableSize"/> below 100 × destinations is not used
    /// (the default size is used instead), since fewer slots per destination share keys less evenly.
    /// </summary>
    public const int MinTableSizePerDestination = 100;

    /// <summary>The largest table size allowed.</summary>
    public const int MaxTableSize = 16_777_259;

    /// <summary>
    /// The lookup table's size, from 1 to <see cref="MaxTableSize"/>. A given value is raised to the next prime if
    /// it is not one; if that is below 100 × the number of destinations (available or not), the default is used
    /// instead. <see langword="null"/> (the default) uses 65,537 slots (Envoy's default), or for more than 512
    /// destinations the first prime at or above 100 × their number rounded up to a power of two.
    /// </summary>
    /// <remarks>
    /// Every key's place depends on the size, so a change of size moves nearly every key: the default changes
    /// only when the number of destinations crosses a power of two above 512. The more slots per destination, the
    /// fewer keys move besides those of a destination that leaves: about 2% more at 100 slots per destination,
    /// under 1% at 650 or more. Clusters larger than 512 destinations that care should set a size of about
    /// 650 × their largest expected count. Each slot takes 4 bytes.
    /// </remarks>
    public int? TableSize { get; set; }

    /// <summary>
    /// Bounded-load factor c (Google's "consistent hashing with bounded loads"): a destination already
    /// carrying more than c × the mean in-flight load is skipped for the next one in the key's
    /// preference order. <see langword="null"/> (the default) disables the bound; otherwise it must be greater than 1.
    /// </summary>
    public double? BoundedLoadFactor { get; set; }
}

/// <summary>Settings of session affinity.</summary>
public sealed class SessionAffinityOptions
{
    /// <summary>The default <see cref="IdleTimeout"/>: 30 minutes.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The default <see cref="MaxKeys"/>: 100,000.</summary>
    public const int DefaultMaxKeys = 100_000;

    /// <summary>
    /// The strategy that places a key seen for the first time, a request without a key, and a key
    /// whose destination has gone. Default <see cref="LoadBalancingStrategyNames.PowerOfTwoChoices"/>;
    /// it may not be <see cref="LoadBalancingStrategyNames.SessionAffinity"/>.
    /// </summary>
    public string FallbackStrategy { get; set; } = LoadBalancingStrategyNames.PowerOfTwoChoices;

    /// <summary>How long an unused key keeps its destination. Default 30 minutes; must be positive.</summary>
    public TimeSpan IdleTimeout { get; set; } = DefaultIdleTimeout;

    /// <summary>
    /// How many keys are remembered at most. Past this, the longest-idle keys are forgotten (and
    /// placed afresh when they return). Default 100,000; must be positive.
    /// </summary>
    public int MaxKeys { get; set; } = DefaultMaxKeys;
}
