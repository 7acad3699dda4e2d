using BenchmarkDotNet.Attributes;

namespace EdgeKit.Benchmarks;

/// <summary>
/// What one read of the clock costs on the machine, for reading the other results: PeakEwma's
/// "clock read per pick" includes one, <see cref="EdgeKit.Client.BalancingHandler"/> makes two per request
/// (start and end of the attempt).
/// </summary>
[MemoryDiagnoser]
public class ClockBenchmarks
{
    private readonly TimeProvider _system = TimeProvider.System;

    [Benchmark(Baseline = true, Description = "Stopwatch.GetTimestamp()")]
    public long Stopwatch() => System.Diagnostics.Stopwatch.GetTimestamp();

    [Benchmark(Description = "TimeProvider.System.GetTimestamp()")]
    public long TimeProviderSystem() => _system.GetTimestamp();
}
