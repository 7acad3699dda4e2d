using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.RateLimiting;

[Collection(AllocationCollection.Name)]
public sealed class AdaptiveConcurrencyLimiterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private AdaptiveConcurrencyLimiter Create(int initial = 10, int min = 1, int max = 1000) => new(new AdaptiveConcurrencyLimiterOptions
    {
        InitialLimit = initial,
        MinLimit = min,
        MaxLimit = max,
        SampleWindow = Window,
        MinSamplesPerWindow = 5,
    }, _time);

    // One window: `concurrency` requests that each take `latency`, then idle to the window's end, where the next
    // acquire (here one of 0 permits) closes it.
    private void RunWindow(AdaptiveConcurrencyLimiter limiter, int concurrency, TimeSpan latency)
    {
        var leases = Enumerable.Range(0, concurrency).Select(_ => limiter.AttemptAcquire()).ToList();
        leases.Should().OnlyContain(l => l.IsAcquired);
        _time.Advance(latency);
        leases.ForEach(l => l.Dispose());
        _time.Advance(Window - latency);
        limiter.AttemptAcquire(0).Dispose();
    }

    [Fact]
    public void Sheds_requests_beyond_the_limit_and_admits_again_when_one_ends()
    {
        using var limiter = Create(initial: 3);
        var held = Enumerable.Range(0, 3).Select(_ => limiter.AttemptAcquire()).ToList();
        held.Should().OnlyContain(l => l.IsAcquired);

        limiter.AttemptAcquire().IsAcquired.Should().BeFalse();
        held[0].Dispose();
        held[0].Dispose(); // a second dispose releases nothing more
        limiter.InFlight.Should().Be(2);
        limiter.AttemptAcquire().IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire().IsAcquired.Should().BeFalse();
    }

    [Fact]
    public void Shedding_allocates_nothing()
    {
        using var limiter = Create(initial: 1);
        using var held = limiter.AttemptAcquire();
        limiter.AttemptAcquire();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            limiter.AttemptAcquire().Dispose();
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Grows_by_one_per_window_while_latency_holds_and_the_limit_is_used()
    {
        using var limiter = Create(initial: 10);
        RunWindow(limiter, 10, TimeSpan.FromMilliseconds(100));
        limiter.CurrentLimit.Should().Be(11);
        limiter.BaselineLatency.Should().Be(TimeSpan.FromMilliseconds(100));
        RunWindow(limiter, 10, TimeSpan.FromMilliseconds(100));
        limiter.CurrentLimit.Should().Be(12);
    }

    [Fact]
    public void Cuts_the_limit_multiplicatively_when_latency_climbs_past_the_tolerance()
    {
        using var limiter = Create(initial: 10);
        RunWindow(limiter, 10, TimeSpan.FromMilliseconds(100));
        RunWindow(limiter, 10, TimeSpan.FromMilliseconds(100));
        limiter.CurrentLimit.Should().Be(12);

        RunWindow(limiter, 10, TimeSpan.FromMilliseconds(300));
        limiter.CurrentLimit.Should().Be(10, "300 ms > 2 × 100 ms: 12 × 0.9 = 10.8, rounded down");
        limiter.BaselineLatency.Should().Be(TimeSpan.FromMilliseconds(110), "the baseline follows upwards by 5% of the gap");
        RunWindow(limiter, 9, TimeSpan.FromMilliseconds(300));
        limiter.CurrentLimit.Should().Be(9);

        RunWindow(limiter, 9, TimeSpan.FromMilliseconds(150));
        limiter.CurrentLimit.Should().Be(10, "latency back within tolerance: additive increase");
    }

    [Fact]
    public void Does_not_grow_when_the_limit_is_not_being_used()
    {
        using var limiter = Create(initial: 10);
        RunWindow(limiter, 5, TimeSpan.FromMilliseconds(100));
        limiter.CurrentLimit.Should().Be(11, "5 in flight is half of 10");
        RunWindow(limiter, 5, TimeSpan.FromMilliseconds(100));
        limiter.CurrentLimit.Should().Be(11, "5 is less than half of 11");
    }

    [Fact]
    public void Stays_between_min_and_max()
    {
        using var limiter = Create(initial: 3, min: 2, max: 4);
        for (int i = 0; i < 5; i++)
        {
            RunWindow(limiter, limiter.CurrentLimit, TimeSpan.FromMilliseconds(100));
        }

        limiter.CurrentLimit.Should().Be(4);
        for (int i = 0; i < 10; i++)
        {
            RunWindow(limiter, 2, TimeSpan.FromMilliseconds(900));
        }

        limiter.CurrentLimit.Should().Be(2);
    }

    [Fact]
    public void A_window_with_too_few_samples_is_extended()
    {
        using var limiter = Create(initial: 4);
        RunWindow(limiter, 4, TimeSpan.FromMilliseconds(100));
        limiter.CurrentLimit.Should().Be(4, "4 samples are fewer than 5");
        limiter.AttemptAcquire().Dispose();
        limiter.CurrentLimit.Should().Be(5, "the fifth sample closes the window");
        limiter.BaselineLatency.Should().Be(TimeSpan.FromMilliseconds(80), "(4 × 100 ms + 0) / 5");
    }

    [Fact]
    public void Statistics_and_disposal()
    {
        var limiter = Create(initial: 2);
        using var a = limiter.AttemptAcquire();
        limiter.AttemptAcquire(2).IsAcquired.Should().BeFalse();
        var stats = limiter.GetStatistics()!;
        stats.CurrentAvailablePermits.Should().Be(1);
        stats.TotalSuccessfulLeases.Should().Be(1);
        stats.TotalFailedLeases.Should().Be(1);
        limiter.Dispose();
        limiter.Invoking(l => l.AttemptAcquire()).Should().Throw<ObjectDisposedException>();
    }

    [Theory]
    [InlineData(1, 0, 10, 2.0, 0.9, "MinLimit must be at least 1 (was 0).")]
    [InlineData(5, 5, 4, 2.0, 0.9, "MaxLimit (4) must be at least MinLimit (5).")]
    [InlineData(20, 1, 10, 2.0, 0.9, "InitialLimit (20) must be between MinLimit (1) and MaxLimit (10).")]
    [InlineData(5, 1, 10, 1.0, 0.9, "LatencyTolerance must be above 1 (was 1).")]
    [InlineData(5, 1, 10, 2.0, 1.0, "BackoffRatio must be above 0 and below 1 (was 1).")]
    public void Invalid_options_throw_with_the_reason(int initial, int min, int max, double tolerance, double backoff, string message)
    {
        var create = () => new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions
        {
            InitialLimit = initial,
            MinLimit = min,
            MaxLimit = max,
            LatencyTolerance = tolerance,
            BackoffRatio = backoff,
        });

        create.Should().Throw<ArgumentException>().WithMessage(message + " (Parameter 'options')");
    }

    [Fact]
    public void Validate_adds_every_problem_at_once_prefixed_with_the_path()
    {
        var errors = new List<string> { "earlier" };

        AdaptiveConcurrencyLimiter.Validate(
            new AdaptiveConcurrencyLimiterOptions { InitialLimit = 20, MinLimit = 0, MaxLimit = 10, LatencyTolerance = 1.0, BackoffRatio = 0.9 },
            "EdgeKit:LoadShedding:Concurrency",
            errors);

        errors.Should().Equal(
            "earlier",
            "EdgeKit:LoadShedding:Concurrency: MinLimit must be at least 1 (was 0).",
            "EdgeKit:LoadShedding:Concurrency: InitialLimit (20) must be between MinLimit (0) and MaxLimit (10).",
            "EdgeKit:LoadShedding:Concurrency: LatencyTolerance must be above 1 (was 1).");
    }

    [Fact]
    public void Validate_adds_nothing_for_valid_options_and_no_prefix_for_an_empty_path()
    {
        var errors = new List<string>();

        AdaptiveConcurrencyLimiter.Validate(new AdaptiveConcurrencyLimiterOptions(), "Concurrency", errors);
        errors.Should().BeEmpty();
        AdaptiveConcurrencyLimiter.Validate(new AdaptiveConcurrencyLimiterOptions { BackoffRatio = 0 }, "", errors);

        errors.Should().Equal("BackoffRatio must be above 0 and below 1 (was 0).");
        var noOptions = () => AdaptiveConcurrencyLimiter.Validate(null!, "", errors);
        var noErrors = () => AdaptiveConcurrencyLimiter.Validate(new AdaptiveConcurrencyLimiterOptions(), "", null!);
        noOptions.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("options");
        noErrors.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("errors");
    }
}
