using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Health;

/// <summary>
/// Passive health for one cluster: turns runs of failures into ejections at once, and every interval
/// judges success rates and failure percentages and lowers ejection multipliers.
/// </summary>
/// <remarks>
/// <see cref="OnFailure"/> runs on the request path, only for failed requests, and only takes the
/// cluster's lock when a threshold is reached. The interval evaluation works from the destinations'
/// cumulative counters, so successful requests pay nothing for it.
/// </remarks>
internal sealed class OutlierDetector : IDestinationOutcomeObserver, IDisposable
{
    /// <summary>
    /// Reason: a run of requests that never reached the destination (connection refused or unreachable). Such a
    /// destination is known dead: <see cref="OutlierDetectionOptions.MaxEjectionPercent"/> does not keep it, and panic
    /// routing does not send it traffic.
    /// </summary>
    public const string UnreachableReason = "connect-failure";

    /// <summary>Reason: a run of 5xx statuses or transport failures.</summary>
    public const string Consecutive5xxReason = "consecutive-5xx";

    /// <summary>Reason: a run of gateway failures.</summary>
    public const string ConsecutiveGatewayFailureReason = "consecutive-gateway-failure";

    /// <summary>Reason: a success rate far below its peers'.</summary>
    public const string SuccessRateReason = "success-rate";

    /// <summary>Reason: a failure percentage above the threshold.</summary>
    public const string FailurePercentageReason = "failure-percentage";

    private readonly ClusterHealth _health;
    private readonly Dictionary<DestinationState, (long Requests, long Failures)> _lastTotals = new(ReferenceEqualityComparer.Instance);
    private OutlierDetectionOptions _options;
    private ITimer? _intervalTimer;

    public OutlierDetector(ClusterHealth health, OutlierDetectionOptions options)
    {
        _health = health;
        _options = options;
    }

    public OutlierDetectionOptions Options => Volatile.Read(ref _options);

    /// <summary>Applies new options and (re)starts the interval timer when enabled.</summary>
    public void Configure(OutlierDetectionOptions options)
    {
        var previous = Volatile.Read(ref _options);
        Volatile.Write(ref _options, options);
        if (!options.Enabled)
        {
            Stop();
            return;
        }

        // A one-shot timer re-armed after each evaluation: a clock that jumps far ahead (a suspended VM, a
        // fake clock in tests) gets one evaluation, not one per interval it skipped.
        if (_intervalTimer is null)
        {
            _intervalTimer = _health.TimeProvider.CreateTimer(
                static state => ((OutlierDetector)state!).Tick(), this, options.Interval, Timeout.InfiniteTimeSpan);
        }
        else if (previous.Interval != options.Interval)
        {
            _intervalTimer.Change(options.Interval, Timeout.InfiniteTimeSpan);
        }
    }

    private void Tick()
    {
        _health.EvaluateOutliers();
        var options = Options;
        if (options.Enabled)
        {
            _intervalTimer?.Change(options.Interval, Timeout.InfiniteTimeSpan);
        }
    }

    public void Stop()
    {
        _intervalTimer?.Dispose();
        _intervalTimer = null;
    }

    /// <summary>
    /// Called after each failed request to the destination, with its current runs of failures. A run of unreachable
    /// requests as long as the shorter of <see cref="OutlierDetectionOptions.Consecutive5xx"/> and
    /// <see cref="OutlierDetectionOptions.ConsecutiveGatewayFailures"/> (those not 0) ejects it as dead, before the other rules are asked.
    /// </summary>
    public void OnFailure(DestinationState destination, int consecutive5xx, int consecutiveGatewayFailures, int consecutiveUnreachable)
    {
        var options = Options;
        if (!options.Enabled)
        {
            return;
        }

        int unreachableThreshold = UnreachableThreshold(options);
        if (destination.IsEjected)
        {
            // An outlier ejected for how it answered still takes traffic in panic; once its connections are refused it is dead.
            if (unreachableThreshold > 0 && consecutiveUnreachable >= unreachableThreshold && !destination.IsKnownDead)
            {
                _health.TryEject(destination, UnreachableReason, unreachable: true);
            }

            return;
        }

        if (unreachableThreshold > 0 && consecutiveUnreachable >= unreachableThreshold)
        {
            _health.TryEject(destination, UnreachableReason, unreachable: true);
        }
        else if (options.Consecutive5xx > 0 && consecutive5xx >= options.Consecutive5xx)
        {
            _health.TryEject(destination, Consecutive5xxReason, unreachable: false);
        }
        else if (options.ConsecutiveGatewayFailures > 0 && consecutiveGatewayFailures >= options.ConsecutiveGatewayFailures)
        {
            _health.TryEject(destination, ConsecutiveGatewayFailureReason, unreachable: false);
        }
    }

    /// <summary>The run of unreachable requests that ejects a destination as dead: the shorter positive one of the two consecutive rules; 0 when both are off.</summary>
    public static int UnreachableThreshold(OutlierDetectionOptions options) =>
        options.Consecutive5xx > 0 && options.ConsecutiveGatewayFailures > 0
            ? Math.Min(options.Consecutive5xx, options.ConsecutiveGatewayFailures)
            : Math.Max(options.Consecutive5xx, options.ConsecutiveGatewayFailures);

    /// <summary>
    /// One interval's judgement (called under the cluster's lock): the requests and failures each
    /// destination saw since the last interval, success-rate and failure-percentage ejection, and the decay
    /// of multipliers of destinations not ejected.
    /// </summary>
    /// <returns>The destinations to eject, with their reasons.</returns>
    public List<(DestinationState Destination, string Reason)> Evaluate(IReadOnlyList<DestinationState> destinations)
    {
        var options = Options;
        var toEject = new List<(DestinationState, string)>();
        var stats = new List<(DestinationState Destination, long Requests, long Failures)>(destinations.Count);
        var present = new HashSet<DestinationState>(ReferenceEqualityComparer.Instance);
        foreach (var destination in destinations)
        {
            present.Add(destination);
            long requests = destination.TotalRequests;
            long failures = destination.TotalFailures;
            _lastTotals.TryGetValue(destination, out var last);
            _lastTotals[destination] = (requests, failures);
            if (destination.IsEjected)
            {
                continue;
            }

            destination.DecayEjectionMultiplier();
            stats.Add((destination, requests - last.Requests, failures - last.Failures));
        }

        foreach (var gone in _lastTotals.Keys.Where(d => !present.Contains(d)).ToList())
        {
            _lastTotals.Remove(gone);
        }

        if (!options.Enabled)
        {
            return toEject;
        }

        if (options.SuccessRateEnabled)
        {
            var judged = stats.Where(s => s.Requests >= options.SuccessRateRequestVolume && s.Requests > 0).ToList();
            if (judged.Count >= options.SuccessRateMinimumHosts && judged.Count > 0)
            {
                var rates = judged.Select(s => 100.0 * (s.Requests - s.Failures) / s.Requests).ToArray();
                double mean = rates.Average();
                double stdev = Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / rates.Length);
                double threshold = mean - (options.SuccessRateStdevFactor * stdev);
                for (int i = 0; i < judged.Count; i++)
                {
                    if (rates[i] < threshold)
                    {
                        toEject.Add((judged[i].Destination, SuccessRateReason));
                    }
                }
            }
        }

        if (options.FailurePercentageEnabled)
        {
            var judged = stats.Where(s => s.Requests >= options.FailurePercentageRequestVolume && s.Requests > 0).ToList();
            if (judged.Count >= options.FailurePercentageMinimumHosts)
            {
                foreach (var (destination, requests, failures) in judged)
                {
                    if (100.0 * failures / requests >= options.FailurePercentageThreshold
                        && !toEject.Exists(e => ReferenceEquals(e.Item1, destination)))
                    {
                        toEject.Add((destination, FailurePercentageReason));
                    }
                }
            }
        }

        return toEject;
    }

    public void Dispose() => Stop();
}
