using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;

namespace EdgeKit.Benchmarks;

/// <summary>
/// One acquire on a single bucket: the BCL's <see cref="TokenBucketRateLimiter"/> (baseline of each category) beside
/// EdgeKit's lock-free GCRA bucket. Accept: a bucket so large it never runs dry; Reject: a drained bucket of 1 per hour.
/// The 2-thread cases run <see cref="PerThread"/> acquires on each of two threads (a Parallel.For per invoke, amortised).
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TokenBucketAcquireBenchmarks
{
    private const int PerThread = 100_000;

    private TokenBucketRateLimiter _bclOpen = null!;
    private TokenBucketRateLimiter _bclDrained = null!;
    private EdgeKitTokenBucketRateLimiter _edgeOpen = null!;
    private EdgeKitTokenBucketRateLimiter _edgeDrained = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bclOpen = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = int.MaxValue,
            TokensPerPeriod = int.MaxValue,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            AutoReplenishment = true,
            QueueLimit = 0,
        });
        _bclDrained = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromHours(1),
            AutoReplenishment = true,
            QueueLimit = 0,
        });
        _edgeOpen = new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions { Limits = [new TokenBucketLimit(int.MaxValue, TimeSpan.FromMilliseconds(100))] });
        _edgeDrained = new EdgeKitTokenBucketRateLimiter(new EdgeKitTokenBucketRateLimiterOptions { Limits = [new TokenBucketLimit(1, TimeSpan.FromHours(1))] });
        _bclDrained.AttemptAcquire().Dispose();
        _edgeDrained.AttemptAcquire().Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bclOpen.Dispose();
        _bclDrained.Dispose();
        _edgeOpen.Dispose();
        _edgeDrained.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL TokenBucket accept")]
    [BenchmarkCategory("Accept")]
    public bool BclAccept()
    {
        using var lease = _bclOpen.AttemptAcquire();
        return lease.IsAcquired;
    }

    [Benchmark(Description = "EdgeKit accept")]
    [BenchmarkCategory("Accept")]
    public bool EdgeKitAccept()
    {
        using var lease = _edgeOpen.AttemptAcquire();
        return lease.IsAcquired;
    }

    [Benchmark(Baseline = true, Description = "BCL TokenBucket reject")]
    [BenchmarkCategory("Reject")]
    public bool BclReject()
    {
        using var lease = _bclDrained.AttemptAcquire();
        return lease.IsAcquired;
    }

    [Benchmark(Description = "EdgeKit reject")]
    [BenchmarkCategory("Reject")]
    public bool EdgeKitReject()
    {
        using var lease = _edgeDrained.AttemptAcquire();
        return lease.IsAcquired;
    }

    [Benchmark(Baseline = true, Description = "BCL TokenBucket accept, 2 threads", OperationsPerInvoke = 2 * PerThread)]
    [BenchmarkCategory("Accept2Threads")]
    public void BclAcceptTwoThreads() => OnTwoThreads(_bclOpen);

    [Benchmark(Description = "EdgeKit accept, 2 threads", OperationsPerInvoke = 2 * PerThread)]
    [BenchmarkCategory("Accept2Threads")]
    public void EdgeKitAcceptTwoThreads() => OnTwoThreads(_edgeOpen);

    private static void OnTwoThreads(RateLimiter limiter) => Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
    {
        for (int i = 0; i < PerThread; i++)
        {
            limiter.AttemptAcquire().Dispose();
        }
    });
}
