using System.Diagnostics;

namespace EdgeKit.Benchmarks;

/// <summary>
/// <c>ratelimit-memory</c>: pushes 1,000,000 distinct keys through the BCL's partitioned token buckets and EdgeKit's
/// partitioned limiter (capped and uncapped), twice, and prints the managed heap after a full collection (with the limiter still alive) and the time taken.
/// </summary>
internal static class RateLimitMemoryCommand
{
    public static int Run()
    {
        var keys = PartitionedAcquireBenchmarks.CreateKeys();
        long baseline = Heap();
        Console.WriteLine($"keys: {keys.Length:N0}; heap with the keys alone: {baseline / 1048576.0:F1} MiB");
        Measure("BCL PartitionedRateLimiter.Create + TokenBucket", PartitionedAcquireBenchmarks.CreateBcl, keys, baseline, _ => "");
        Measure("EdgeKit partitioned (cap 100k)", () => PartitionedAcquireBenchmarks.CreateEdgeKit(), keys, baseline, Tracked);
        Measure("EdgeKit partitioned (cap 1.1M, every key kept)", () => PartitionedAcquireBenchmarks.CreateEdgeKit(PartitionedAcquireBenchmarks.UncappedPartitions), keys, baseline, Tracked);
        return 0;
    }

    private static void Measure(string name, Func<System.Threading.RateLimiting.PartitionedRateLimiter<string>> create, string[] keys, long baseline, Func<object, string> extra)
    {
        using var limiter = create();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        int accepted = PartitionedAcquireBenchmarks.Run(limiter, keys);
        watch.Stop();
        var second = Stopwatch.StartNew();
        PartitionedAcquireBenchmarks.Run(limiter, keys);
        second.Stop();
        long allocatedPerKey = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (2 * keys.Length);
        long heap = Heap() - baseline;
        Console.WriteLine($"{name}: accepted {accepted:N0} in {watch.Elapsed.TotalMilliseconds:F0} ms (second pass {second.Elapsed.TotalMilliseconds:F0} ms); heap after run {heap / 1048576.0:F1} MiB; allocated {allocatedPerKey} B per acquire{extra(limiter)}");
        GC.KeepAlive(limiter);
    }

    private static string Tracked(object limiter)
    {
        var edge = (EdgeKit.RateLimiting.EdgeKitPartitionedRateLimiter<string, string>)limiter;
        return $", tracked {edge.TrackedPartitionCount:N0}, overflowed {edge.OverflowCount:N0}";
    }

    private static long Heap() => GC.GetTotalMemory(forceFullCollection: true);
}
