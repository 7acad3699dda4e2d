namespace EdgeKit.Tests.RateLimiting;

/// <summary>
/// Tests that measure allocations with <see cref="GC.GetAllocatedBytesForCurrentThread"/> run alone: a metrics listener
/// enabled by a test running in parallel would make the limiters' counters call back (and allocate) on their thread.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation measurements";
}
