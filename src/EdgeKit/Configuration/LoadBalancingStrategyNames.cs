namespace EdgeKit.Configuration;

/// <summary>The names of the built-in load-balancing strategies, as configuration refers to them.</summary>
public static class LoadBalancingStrategyNames
{
    /// <summary>Each destination in turn.</summary>
    public const string RoundRobin = "RoundRobin";

    /// <summary>Smooth weighted round robin (nginx's algorithm): shares by weight, spread evenly.</summary>
    public const string WeightedRoundRobin = "WeightedRoundRobin";

    /// <summary>A destination chosen uniformly at random.</summary>
    public const string Random = "Random";

    /// <summary>A destination chosen at random with probability proportional to its weight.</summary>
    public const string WeightedRandom = "WeightedRandom";

    /// <summary>The destination with the fewest in-flight requests per unit of weight (a full scan).</summary>
    public const string LeastRequests = "LeastRequests";

    /// <summary>Two destinations chosen at random; the one with fewer in-flight requests per unit of weight wins (Envoy's least_request).</summary>
    public const string PowerOfTwoChoices = "PowerOfTwoChoices";

    /// <summary>Two destinations chosen at random; the lower latency EWMA × (in-flight + 1) wins (Finagle/Linkerd).</summary>
    public const string PeakEwma = "PeakEwma";

    /// <summary>Consistent hashing of the request key through a Maglev lookup table, with optional bounded load.</summary>
    public const string ConsistentHash = "ConsistentHash";

    /// <summary>A request key keeps going to the destination it first went to while that destination is available.</summary>
    public const string SessionAffinity = "SessionAffinity";

    /// <summary>The strategy used when a cluster names none.</summary>
    public const string Default = PowerOfTwoChoices;
}
