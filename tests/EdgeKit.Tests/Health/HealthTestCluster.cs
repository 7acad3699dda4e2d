using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Health;

/// <summary>A cluster on a fake clock with captured logs, and helpers to feed it request outcomes.</summary>
internal sealed class HealthTestCluster : IDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    public HealthTestCluster(int count, Action<HealthOptions>? configure = null, string strategy = LoadBalancingStrategyNames.RoundRobin, Func<int, int>? weight = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        Logs = new CapturingLoggerProvider();
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        var health = new HealthOptions();
        configure?.Invoke(health);
        Cluster = new Cluster(
            "svc",
            Enumerable.Range(0, count).Select(i => new Destination($"d{i}", new Uri($"http://10.0.0.{i + 1}:8080"), weight?.Invoke(i) ?? 1)),
            new LoadBalancingOptions { Strategy = strategy },
            new ClusterEnvironment(Time, new Random(42), loggerFactory: _loggerFactory),
            health);
    }

    public FakeTimeProvider Time { get; }

    public CapturingLoggerProvider Logs { get; }

    public Cluster Cluster { get; }

    public DestinationState this[string id] => Cluster.Snapshot.TryGetDestination(id, out var d) ? d : throw new KeyNotFoundException(id);

    public IEnumerable<string> Available => Cluster.Snapshot.AvailableDestinations.Select(d => d.Id);

    /// <summary>Completes <paramref name="count"/> requests to a destination with a status (0 = transport failure).</summary>
    public void Complete(string id, int status, int count = 1)
    {
        var d = this[id];
        for (int i = 0; i < count; i++)
        {
            d.BeginRequest();
            var outcome = status == 0 || status >= 500 ? RequestOutcome.Failure : RequestOutcome.Success;
            d.EndRequest(Time.GetTimestamp(), 1000, outcome, status);
        }
    }

    public void Dispose()
    {
        Cluster.Dispose();
        _loggerFactory.Dispose();
    }
}
