using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;

namespace EdgeKit.Benchmarks;

/// <summary>
/// Partitioned acquire over 1,000,000 distinct keys (each invoke acquires once for every key, in order):
/// <see cref="PartitionedRateLimiter.Create{TResource, TPartitionKey}"/> with token buckets (baseline) beside EdgeKit's
/// partitioned limiter, twice: capped at 100,000 keys (bounded memory: every acquire of a new key evicts a refilled one,
/// so this measures key churn), and capped above 1,000,000 (every key stays tracked, as the BCL keeps them all: this
/// measures the known-key path like for like). Memory after a run: <c>dotnet run -c Release -- ratelimit-memory</c>.
/// </summary>
[MemoryDiagnoser]
public class PartitionedAcquireBenchmarks
{
    internal const int Keys = 1_000_000;
    internal const int MaxPartitions = 100_000;
    internal const int UncappedPartitions = 1_100_000;

    private string[] _keys = null!;
    private PartitionedRateLimiter<string> _bcl = null!;
    private EdgeKitPartitionedRateLimiter<string, string> _edge = null!;
    private EdgeKitPartitionedRateLimiter<string, string> _edgeUncapped = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = CreateKeys();
        _bcl = CreateBcl();
        _edge = CreateEdgeKit();
        _edgeUncapped = CreateEdgeKit(UncappedPartitions);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bcl.Dispose();
        _edge.Dispose();
        _edgeUncapped.Dispose();
    }

    [Benchmark(Baseline = true, Description = "BCL PartitionedRateLimiter.Create + TokenBucket", OperationsPerInvoke = Keys)]
    public int Bcl() => Run(_bcl, _keys);

    [Benchmark(Description = "EdgeKit partitioned (cap 100k)", OperationsPerInvoke = Keys)]
    public int EdgeKit() => Run(_edge, _keys);

    [Benchmark(Description = "EdgeKit partitioned (cap 1.1M, every key kept)", OperationsPerInvoke = Keys)]
    public int EdgeKitUncapped() => Run(_edgeUncapped, _keys);

    internal static string[] CreateKeys() => Enumerable.Range(0, Keys).Select(i => "client-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    // 100 per second each: a bucket that took one permit is full again 10 ms later.
    internal static PartitionedRateLimiter<string> CreateBcl() => PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 100,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(10),
            QueueLimit = 0,
        }));

    internal static EdgeKitPartitionedRateLimiter<string, string> CreateEdgeKit(int maxPartitions = MaxPartitions) => new(new EdgeKitPartitionedRateLimiterOptions<string, string>
    {
        PartitionKeySelector = key => key,
        KeyComparer = StringComparer.Ordinal,
        Limits = [new TokenBucketLimit(100, TimeSpan.FromSeconds(1))],
        MaxPartitions = maxPartitions,
    });

    internal static int Run(PartitionedRateLimiter<string> limiter, string[] keys)
    {
        int accepted = 0;
        foreach (var key in keys)
        {
            using var lease = limiter.AttemptAcquire(key);
            accepted += lease.IsAcquired ? 1 : 0;
        }

        return accepted;
    }
}
