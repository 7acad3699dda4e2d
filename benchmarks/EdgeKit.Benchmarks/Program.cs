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

// `transport-alloc [requests]` prints what each backend transport allocates per request (GWBENCH_ALLOC_TYPES=1: by type).
if (args.Length > 0 && string.Equals(args[0], "transport-alloc", StringComparison.OrdinalIgnoreCase))
{
    return TransportAllocCommand.Run(args[1..]);
}

// `socket-pipes [blocks]` prints the CPU per exchange of stream pipes over a NetworkStream and of the socket pipes.
if (args.Length > 0 && string.Equals(args[0], "socket-pipes", StringComparison.OrdinalIgnoreCase))
{
    return SocketPipesCommand.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(SimulateCommand).Assembly).Run(args);
return 0;
