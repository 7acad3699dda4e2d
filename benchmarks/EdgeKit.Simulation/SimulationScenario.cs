using EdgeKit.Configuration;

namespace EdgeKit.Simulation;

/// <summary>
/// Everything that decides a simulation run except the strategy: backends, arrivals, the client's timeout,
/// the duration and the seed. The same scenario and seed always give the same result.
/// </summary>
public sealed record SimulationScenario
{
    /// <summary>A short name for reports.</summary>
    public required string Name { get; init; }

    /// <summary>The backends, one destination each (weight 1), in this order.</summary>
    public required IReadOnlyList<SimulatedBackend> Backends { get; init; }

    /// <summary>When requests arrive.</summary>
    public required ArrivalProcess Arrivals { get; init; }

    /// <summary>
    /// How long the client waits. A request whose backend takes longer fails at exactly this time and the
    /// balancer is told then; the backend keeps working on it until its own latency has passed.
    /// </summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>How long requests keep arriving. Requests still running at the end are finished, not dropped.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The seed of every random source in the run (arrivals, service times, the balancer's own).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>What the balancer is told when a request times out. Default <see cref="TimeoutOutcome.Failure"/>.</summary>
    public TimeoutOutcome TimeoutOutcome { get; init; } = TimeoutOutcome.Failure;

    /// <summary>
    /// How many distinct request keys there are (for consistent hashing and session affinity), each request
    /// drawing one uniformly; <see langword="null"/> (the default) sends no key.
    /// </summary>
    public int? RequestKeys { get; init; }

    /// <summary>Changes to the cluster's balancing settings beyond the strategy (latency decay, hashing options, ...).</summary>
    public Action<LoadBalancingOptions>? ConfigureLoadBalancing { get; init; }

    /// <summary>Changes the cluster's health settings (outlier detection, panic, slow start); <see langword="null"/> keeps EdgeKit's defaults.</summary>
    public Action<EdgeKit.Configuration.HealthOptions>? ConfigureHealth { get; init; }

    /// <summary>Whether to keep a record of every request in <see cref="SimulationResult.Requests"/> (for tests and analysis).</summary>
    public bool RecordRequests { get; init; }

    /// <summary>Checks the scenario, listing every problem at once.</summary>
    /// <exception cref="ArgumentException">The scenario is invalid.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Backends is null || Backends.Count == 0)
        {
            errors.Add("Backends: at least one backend is needed.");
        }
        else
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var backend in Backends)
            {
                if (backend is null || string.IsNullOrWhiteSpace(backend.Name))
                {
                    errors.Add("Backends: every backend needs a name.");
                }
                else if (!names.Add(backend.Name))
                {
                    errors.Add($"Backends: the name '{backend.Name}' is used twice.");
                }
                else
                {
                    foreach (var fault in backend.Faults)
                    {
                        if (fault.Start < TimeSpan.Zero || fault.Duration <= TimeSpan.Zero)
                        {
                            errors.Add($"Backend '{backend.Name}': a fault must start at zero or later and last a positive time, was {fault}.");
                        }

                        if (!(fault.ErrorRate >= 0 && fault.ErrorRate <= 1))
                        {
                            errors.Add($"Backend '{backend.Name}': a fault's ErrorRate must be between 0 and 1, was {fault.ErrorRate}.");
                        }
                    }
                }
            }
        }

        if (Arrivals is null)
        {
            errors.Add("Arrivals: required.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add($"Timeout: must be positive, was {Timeout}.");
        }

        if (Duration <= TimeSpan.Zero)
        {
            errors.Add($"Duration: must be positive, was {Duration}.");
        }

        if (RequestKeys is < 1)
        {
            errors.Add($"RequestKeys: must be at least 1 when set, was {RequestKeys}.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"Scenario '{Name}' is invalid:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }
    }
}
