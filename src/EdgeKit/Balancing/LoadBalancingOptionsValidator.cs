namespace EdgeKit.Balancing;

/// <summary>Checks <see cref="LoadBalancingOptions"/>, gathering every problem rather than stopping at the first.</summary>
internal static class LoadBalancingOptionsValidator
{
    public static void Validate(LoadBalancingOptions options, string path, LoadBalancingStrategyCollection strategies, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.Strategy))
        {
            errors.Add($"{path}: LoadBalancing.Strategy is empty. Known strategies: {string.Join(", ", strategies.Names)}.");
        }
        else if (!strategies.TryGet(options.Strategy, out _))
        {
            errors.Add($"{path}: LoadBalancing.Strategy is an {strategies.UnknownStrategyMessage(options.Strategy)}");
        }

        if (options.LatencyDecay <= TimeSpan.Zero)
        {
            errors.Add($"{path}: LoadBalancing.LatencyDecay must be positive, was {options.LatencyDecay}.");
        }

        var hash = options.ConsistentHash;
        if (hash.TableSize is { } size && (size < 1 || size > ConsistentHashOptions.MaxTableSize))
        {
            errors.Add($"{path}: LoadBalancing.ConsistentHash.TableSize must be between 1 and {ConsistentHashOptions.MaxTableSize}, was {size}.");
        }

        if (hash.BoundedLoadFactor is { } factor && (!(factor > 1) || double.IsInfinity(factor)))
        {
            errors.Add($"{path}: LoadBalancing.ConsistentHash.BoundedLoadFactor must be a number greater than 1 (e.g. 1.25), was {factor}.");
        }

        var affinity = options.SessionAffinity;
        if (string.IsNullOrWhiteSpace(affinity.FallbackStrategy))
        {
            errors.Add($"{path}: LoadBalancing.SessionAffinity.FallbackStrategy is empty.");
        }
        else if (string.Equals(affinity.FallbackStrategy, LoadBalancingStrategyNames.SessionAffinity, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}: LoadBalancing.SessionAffinity.FallbackStrategy cannot be {LoadBalancingStrategyNames.SessionAffinity} itself.");
        }
        else if (!strategies.TryGet(affinity.FallbackStrategy, out _))
        {
            errors.Add($"{path}: LoadBalancing.SessionAffinity.FallbackStrategy is an {strategies.UnknownStrategyMessage(affinity.FallbackStrategy)}");
        }

        if (affinity.IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}: LoadBalancing.SessionAffinity.IdleTimeout must be positive, was {affinity.IdleTimeout}.");
        }

        if (affinity.MaxKeys < 1)
        {
            errors.Add($"{path}: LoadBalancing.SessionAffinity.MaxKeys must be at least 1, was {affinity.MaxKeys}.");
        }

        if (options.RequestKey.Header is { } header && string.IsNullOrWhiteSpace(header))
        {
            errors.Add($"{path}: LoadBalancing.RequestKey.Header is blank; remove it or name a header.");
        }

        if (options.RequestKey.Cookie is { } cookie && string.IsNullOrWhiteSpace(cookie))
        {
            errors.Add($"{path}: LoadBalancing.RequestKey.Cookie is blank; remove it or name a cookie.");
        }
    }
}
