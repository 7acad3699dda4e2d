using EdgeKit.Destinations;
using EdgeKit.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>
/// Drives the active health prober of a service provider whose <see cref="TimeProvider"/> is a <see cref="FakeTimeProvider"/>:
/// each round of one cluster's probes is started by moving the clock on one interval, and awaited through the
/// prober's round hook, so a test waits for exactly the rounds it asks for and never for the clock.
/// </summary>
internal sealed class ProbeRounds
{
    private readonly FakeTimeProvider _time;
    private readonly string _cluster;
    private readonly TimeSpan _interval;

    public ProbeRounds(IServiceProvider services, FakeTimeProvider time, string cluster, TimeSpan interval)
    {
        _time = time;
        _cluster = cluster;
        _interval = interval;
        Prober = services.GetRequiredService<ActiveHealthProber>();
    }

    /// <summary>The prober, as the host would start it.</summary>
    public ActiveHealthProber Prober { get; }

    /// <summary>Starts the prober, as the host would, and waits for its first round (which needs no clock).</summary>
    public async Task StartAsync()
    {
        var round = NextRound();
        await Prober.StartAsync(CancellationToken.None);
        await round;
    }

    /// <summary>Runs <paramref name="count"/> more rounds, one interval of the clock apart.</summary>
    public async Task RunAsync(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            var round = NextRound();
            _time.Advance(_interval);
            await round;
        }
    }

    private Task NextRound()
    {
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<Cluster, TimeSpan>? handler = null;
        handler = (cluster, _) =>
        {
            if (cluster.Name == _cluster && completed.TrySetResult())
            {
                Prober.RoundCompleted -= handler;
            }
        };
        Prober.RoundCompleted += handler;
        return completed.Task.WaitAsync(TestBackend.WaitLimit);
    }
}
