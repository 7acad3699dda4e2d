using EdgeKit.Configuration;

namespace EdgeKit.Balancing;

/// <summary>
/// Checks <see cref="LoadBalancingOptions"/>, gathering every problem rather than stopping at the first: the settings
/// every strategy shares here, then the named strategy's own through <see cref="ILoadBalancingStrategy.Validate"/>.
/// </summary>
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

        if (options.RequestKey.Header is { } header && string.IsNullOrWhiteSpace(header))
        {
            errors.Add($"{path}: LoadBalancing.RequestKey.Header is blank; remove it or name a header.");
        }

        if (options.RequestKey.Cookie is { } cookie && string.IsNullOrWhiteSpace(cookie))
        {
            errors.Add($"{path}: LoadBalancing.RequestKey.Cookie is blank; remove it or name a cookie.");
        }

        // The strategy checks the settings it reads, built-in and custom alike.
        if (!string.IsNullOrWhiteSpace(options.Strategy) && strategies.TryGet(options.Strategy, out var strategy))
        {
            foreach (var problem in strategy.Validate(options, strategies))
            {
                errors.Add($"{path}: {problem}");
            }
        }
    }
}
