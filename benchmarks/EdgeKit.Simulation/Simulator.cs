using EdgeKit.Balancing;
using EdgeKit.Configuration;
using EdgeKit.Destinations;

namespace EdgeKit.Simulation;

/// <summary>
/// Runs a <see cref="SimulationScenario"/> against one of EdgeKit's real strategies: a real
/// <see cref="Cluster"/> on a <see cref="VirtualTimeProvider"/>, driven as <c>BalancingHandler</c> drives it
/// (a timestamp, <see cref="Cluster.Pick(in PickContext)"/>, <see cref="Cluster.Begin"/>, then
/// <see cref="RequestLease.Complete"/> with the outcome at the completion time).
/// </summary>
/// <remarks>
/// <para>A discrete-event simulation: one thread, no sleeping; the clock jumps from event to event. Events at
/// the same instant run in the order they were scheduled, so a run depends only on the scenario and its seed.</para>
/// <para>Separate random streams, all derived from the seed, drive arrivals, service times, request keys and the
/// balancer, so every strategy of a scenario sees exactly the same arrival times.</para>
/// <para>The timeout rule: a request whose backend takes longer than <see cref="SimulationScenario.Timeout"/>
/// fails on the client at exactly the timeout, and the balancer is told then (<see cref="RequestLease.Complete"/>, the timeout as
/// the elapsed time, <see cref="SimulationScenario.TimeoutOutcome"/> as the outcome), so the destination's in-flight
/// count drops at the timeout. The backend itself keeps working on the request until its own latency has passed, as
/// a real server that never hears of the client giving up would (see <see cref="BackendStatistics.PeakServerConcurrency"/>).</para>
/// </remarks>
public static class Simulator
{
    /// <summary>Runs <paramref name="scenario"/> with the strategy named <paramref name="strategy"/>.</summary>
    /// <param name="scenario">The scenario; validated first.</param>
    /// <param name="strategy">A built-in strategy name (see <see cref="LoadBalancingStrategyNames"/>).</param>
    /// <param name="strategies">The strategies the cluster may name; default the built-in ones. Pass a collection with a custom strategy to simulate it.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException">The scenario is invalid or the strategy unknown.</exception>
    public static SimulationResult Run(SimulationScenario scenario, string strategy, LoadBalancingStrategyCollection? strategies = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentException.ThrowIfNullOrWhiteSpace(strategy);
        scenario.Validate();
        return new Run(scenario, strategy, strategies).Execute();
    }

    /// <summary>A seed for one of the run's random streams: SplitMix64 of the scenario's seed and the stream's number.</summary>
    internal static int DeriveSeed(int seed, int stream)
    {
        ulong z = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) + ((ulong)(uint)stream * 0xD1B54A32D192ED03UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}

/// <summary>The state of one run.</summary>
file sealed class Run
{
    private enum EventKind : byte
    {
        Arrival,
        ClientDone,
        BackendDone,
    }

    private readonly record struct Event(EventKind Kind, int Request);

    private struct Request
    {
        public int Backend;
        public long Sent;
        public long BackendTicks;
        public bool TimedOut;
        public bool Error;
        public RequestLease Lease;
    }

    private readonly SimulationScenario _scenario;
    private readonly string _strategy;
    private readonly VirtualTimeProvider _time = new();
    private readonly Cluster _cluster;
    private readonly Dictionary<DestinationState, int> _indexOf = new(ReferenceEqualityComparer.Instance);
    private readonly Random _arrivalRandom;
    private readonly Random _serviceRandom;
    private readonly Random _keyRandom;
    private readonly PriorityQueue<Event, (long Time, long Sequence)> _queue = new();
    private readonly List<Request> _requests = [];
    private readonly List<long> _clientTicks = [];
    private readonly List<RequestRecord> _records = [];
    private readonly int[] _sent;
    private readonly int[] _failed;
    private readonly int[] _faulted;
    private readonly int[] _serverConcurrency;
    private readonly int[] _peakServerConcurrency;
    private readonly int[] _peakClientInFlight;
    private long _sequence;
    private long _lastClientEvent;
    private int _succeeded;
    private int _timedOut;
    private int _errors;
    private int _noDestination;

    public Run(SimulationScenario scenario, string strategy, LoadBalancingStrategyCollection? strategies)
    {
        _scenario = scenario;
        _strategy = strategy;
        _arrivalRandom = new Random(Simulator.DeriveSeed(scenario.Seed, 1));
        _serviceRandom = new Random(Simulator.DeriveSeed(scenario.Seed, 2));
        _keyRandom = new Random(Simulator.DeriveSeed(scenario.Seed, 4));
        var balancerRandom = new Random(Simulator.DeriveSeed(scenario.Seed, 3));

        var options = new LoadBalancingOptions { Strategy = strategy };
        scenario.ConfigureLoadBalancing?.Invoke(options);
        options.Strategy = strategy;
        var destinations = scenario.Backends.Select(b => new Destination(b.Name, new Uri($"http://{b.Name}.simulation.invalid/")));
        var health = new EdgeKit.Configuration.HealthOptions();
        scenario.ConfigureHealth?.Invoke(health);
        _cluster = new Cluster("simulation", destinations, options, new ClusterEnvironment(_time, balancerRandom, strategies), health);
        for (int i = 0; i < scenario.Backends.Count; i++)
        {
            _cluster.Snapshot.TryGetDestination(scenario.Backends[i].Name, out var state);
            _indexOf.Add(state!, i);
        }

        int count = scenario.Backends.Count;
        _sent = new int[count];
        _failed = new int[count];
        _faulted = new int[count];
        _serverConcurrency = new int[count];
        _peakServerConcurrency = new int[count];
        _peakClientInFlight = new int[count];
    }

    public SimulationResult Execute()
    {
        long end = _scenario.Duration.Ticks;
        long first = _scenario.Arrivals.First(_arrivalRandom).Ticks;
        if (first < end)
        {
            Schedule(first, new Event(EventKind.Arrival, -1));
        }

        while (_queue.TryDequeue(out var next, out var at))
        {
            _time.MoveTo(at.Time);
            switch (next.Kind)
            {
                case EventKind.Arrival:
                    Arrive();
                    long following = at.Time + _scenario.Arrivals.Next(_arrivalRandom).Ticks;
                    if (following < end)
                    {
                        Schedule(following, next);
                    }

                    break;
                case EventKind.ClientDone:
                    CompleteOnClient(next.Request);
                    break;
                case EventKind.BackendDone:
                    _serverConcurrency[_requests[next.Request].Backend]--;
                    break;
            }
        }

        return Summarize();
    }

    private void Schedule(long time, Event item) => _queue.Enqueue(item, (time, _sequence++));

    private void Arrive()
    {
        int id = _requests.Count;
        long start = _time.GetTimestamp();
        string? key = _scenario.RequestKeys is { } keys ? $"key-{_keyRandom.Next(keys)}" : null;
        var context = new PickContext(start, key);
        var destination = _cluster.Pick(in context);
        if (destination is null)
        {
            _noDestination++;
            _requests.Add(new Request { Backend = -1, Sent = start });
            _clientTicks.Add(0);
            Record(id, -1, start, 0, 0, timedOut: false, succeeded: false);
            return;
        }

        var lease = _cluster.Begin(destination);
        int backend = _indexOf[destination];
        _peakClientInFlight[backend] = Math.Max(_peakClientInFlight[backend], destination.InFlight);
        _sent[backend]++;
        if (++_serverConcurrency[backend] > _peakServerConcurrency[backend])
        {
            _peakServerConcurrency[backend] = _serverConcurrency[backend];
        }

        var model = _scenario.Backends[backend];
        var fault = model.FaultAt(TimeSpan.FromTicks(start));
        if (fault is not null)
        {
            _faulted[backend]++;
        }

        long latency = (fault?.Latency ?? model.Latency).Sample(_serviceRandom).Ticks;
        bool error = fault is { ErrorRate: > 0 } && _serviceRandom.NextDouble() < fault.ErrorRate;
        bool timedOut = latency > _scenario.Timeout.Ticks;
        _requests.Add(new Request
        {
            Backend = backend,
            Sent = start,
            BackendTicks = latency,
            TimedOut = timedOut,
            Error = error && !timedOut,
            Lease = lease,
        });

        Schedule(start + (timedOut ? _scenario.Timeout.Ticks : latency), new Event(EventKind.ClientDone, id));
        if (timedOut)
        {
            Schedule(start + latency, new Event(EventKind.BackendDone, id));
        }
    }

    private void CompleteOnClient(int id)
    {
        var request = _requests[id];
        long now = _time.GetTimestamp();
        long elapsed = now - request.Sent;
        RequestOutcome outcome = request.TimedOut
            ? (_scenario.TimeoutOutcome == TimeoutOutcome.Cancelled ? RequestOutcome.Cancelled : RequestOutcome.Failure)
            : request.Error ? RequestOutcome.Failure : RequestOutcome.Success;
        // No status: a timeout or an error counts as a gateway failure, as a transport failure would.
        request.Lease.Complete(outcome, 0, request.TimedOut ? RequestErrorTypes.Timeout : request.Error ? RequestErrorTypes.TransportError : null);
        _lastClientEvent = now;

        if (!request.TimedOut)
        {
            // Answered: the backend is done with it too.
            _serverConcurrency[request.Backend]--;
        }

        bool succeeded = !request.TimedOut && !request.Error;
        if (succeeded)
        {
            _succeeded++;
        }
        else
        {
            _failed[request.Backend]++;
            if (request.TimedOut)
            {
                _timedOut++;
            }
            else
            {
                _errors++;
            }
        }

        _clientTicks.Add(elapsed);
        Record(id, request.Backend, request.Sent, request.BackendTicks, elapsed, request.TimedOut, succeeded);
    }

    private void Record(int id, int backend, long sent, long backendTicks, long clientTicks, bool timedOut, bool succeeded)
    {
        if (_scenario.RecordRequests)
        {
            _records.Add(new RequestRecord(id, backend, TimeSpan.FromTicks(sent), TimeSpan.FromTicks(backendTicks), TimeSpan.FromTicks(clientTicks), timedOut, succeeded));
        }
    }

    private SimulationResult Summarize()
    {
        var sorted = _clientTicks.ToArray();
        Array.Sort(sorted);
        TimeSpan Percentile(double p) => sorted.Length == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Percentiles.NearestRank(sorted, p));

        var snapshot = _cluster.Snapshot;
        var backends = new BackendStatistics[_scenario.Backends.Count];
        for (int i = 0; i < backends.Length; i++)
        {
            snapshot.TryGetDestination(_scenario.Backends[i].Name, out var state);
            backends[i] = new BackendStatistics(
                _scenario.Backends[i].Name,
                _sent[i],
                _failed[i],
                _faulted[i],
                _peakClientInFlight[i],
                _peakServerConcurrency[i],
                state!.TotalFailures,
                state.GetLatencyEstimate(_lastClientEvent, _time.TimestampFrequency));
        }

        _records.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new SimulationResult
        {
            Scenario = _scenario.Name,
            Strategy = _strategy,
            TotalRequests = _requests.Count,
            Succeeded = _succeeded,
            TimedOut = _timedOut,
            Errors = _errors,
            NoDestination = _noDestination,
            P50 = Percentile(50),
            P99 = Percentile(99),
            P999 = Percentile(99.9),
            Max = sorted.Length == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(sorted[^1]),
            FaultedRequests = _faulted.Sum(),
            Backends = backends,
            Requests = _records,
        };
    }
}
