using BenchmarkDotNet.Running;
using EdgeKit.Benchmarks;

// `simulate [options]` runs the balancing-quality simulation; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && string.Equals(args[0], "simulate", StringComparison.OrdinalIgnoreCase))
{
    return SimulateCommand.Run(args[1..]);
}

// `ratelimit-memory` prints the heap after 1,000,000 distinct keys through each partitioned limiter.
if (args.Length > 0 && string.Equals(args[0], "ratelimit-memory", StringComparison.OrdinalIgnoreCase))
{
    return RateLimitMemoryCommand.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(SimulateCommand).Assembly).Run(args);
return 0;
