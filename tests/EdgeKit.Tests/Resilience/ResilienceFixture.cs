using System.Net;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Resilience;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Resilience;

/// <summary>
/// A cluster of destinations d0, d1, d2 (10.0.0.1, 10.0.0.2, ...) behind an <see cref="EdgeKitResilienceHandler"/>
/// and a <see cref="BalancingHandler"/>, with a fake terminal handler, a fake clock, and recorders for metrics and logs.
/// By default the strategy is random with a source that always chooses the first destination offered: a request's
/// first attempt goes to d0, and a retry must avoid it explicitly. Backoff is zero and outlier detection off unless a
/// test sets them.
/// </summary>
internal sealed class ResilienceFixture : IDisposable
{
    private ResilienceFixture(Cluster cluster, FakeTerminalHandler terminal, EdgeKitResilienceHandler handler, TimerWatchingTimeProvider time, CapturingLoggerProvider logs)
    {
        Cluster = cluster;
        Terminal = terminal;
        Handler = handler;
        Time = time;
        Logs = logs;
        Invoker = new HttpMessageInvoker(handler);
        Metrics = new MeasurementRecorder(cluster.Name);
    }

    public Cluster Cluster { get; }

    public FakeTerminalHandler Terminal { get; }

    public EdgeKitResilienceHandler Handler { get; }

    public HttpMessageInvoker Invoker { get; }

    public TimerWatchingTimeProvider Time { get; }

    public MeasurementRecorder Metrics { get; }

    public CapturingLoggerProvider Logs { get; }

    public RetryBudget Budget => Handler.Pipeline.Budget;

    public DestinationState this[string id] =>
        Cluster.Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);

    public static ResilienceFixture Create(
        Action<EdgeKitResilienceOptions>? resilience = null,
        Action<HealthOptions>? health = null,
        int destinations = 3,
        string strategy = LoadBalancingStrategyNames.Random,
        Random? random = null)
    {
        var time = new TimerWatchingTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var logs = new CapturingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var healthOptions = new HealthOptions();
        healthOptions.OutlierDetection.Enabled = false;
        health?.Invoke(healthOptions);
        var options = new EdgeKitResilienceOptions { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
        resilience?.Invoke(options);
        var cluster = new Cluster(
            "orders-" + Guid.NewGuid().ToString("N")[..8],
            Enumerable.Range(0, destinations).Select(i => new Destination($"d{i}", new Uri($"http://10.0.0.{i + 1}:8080/"))),
            new LoadBalancingOptions { Strategy = strategy },
            new ClusterEnvironment(time, random ?? new FirstChoiceRandom(), loggerFactory: loggerFactory),
            healthOptions);
        var terminal = new FakeTerminalHandler();
        var handler = new EdgeKitResilienceHandler(new BalancingHandler(cluster, terminal), options);
        return new ResilienceFixture(cluster, terminal, handler, time, logs);
    }

    /// <summary>Answers <paramref name="status"/> from the destinations listed, 200 from the others.</summary>
    public void Fail(HttpStatusCode status, params string[] destinations) =>
        Terminal.Respond = (request, _) => FakeTerminalHandler.Answer(request, destinations.Contains(IdOf(request)) ? status : HttpStatusCode.OK);

    /// <summary>The destination id of a rewritten request.</summary>
    public static string IdOf(HttpRequestMessage request) => "d" + (request.RequestUri!.Host[^1] - '1');

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, HttpContent? content = null, CancellationToken cancellationToken = default, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, "http://orders/items/7") { Content = content };
        configure?.Invoke(request);
        return Invoker.SendAsync(request, cancellationToken);
    }

    public Task<HttpResponseMessage> GetAsync(CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Get, cancellationToken: cancellationToken);

    public double Retries(string? outcome = null) =>
        outcome is null ? Metrics.Sum("edgekit.resilience.retries") : Metrics.Sum("edgekit.resilience.retries", "edgekit.outcome", outcome);

    public double NotRetried(string reason) => Metrics.Sum("edgekit.resilience.not_retried", "edgekit.resilience.reason", reason);

    public void Dispose()
    {
        Invoker.Dispose();
        Metrics.Dispose();
        Cluster.Dispose();
    }
}
