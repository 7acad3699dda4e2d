using System.Diagnostics;
using System.Globalization;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Benchmarks.Gateway;
using EdgeKit.Configuration;

namespace EdgeKit.Benchmarks;

/// <summary>
/// <c>transport-alloc [requests]</c>: for finding what a backend transport allocates per request. Sends the same
/// forwarded GET as <see cref="Http1TransportSendBenchmarks"/> to a loopback backend, one at a time, through each
/// transport (warmed first), and prints the exact allocated bytes and the time per request; with
/// <c>GWBENCH_ALLOC_TYPES=1</c> also the runtime's sampled allocations by type (one sample per ~100 KB allocated, so
/// send enough requests for a few hundred samples).
/// </summary>
internal static class TransportAllocCommand
{
    public static int Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
        AllocationSampler.StartIfEnabled();
        using var backend = new LoopbackHttpBackend();
        var options = new ClusterHttpClientOptions();
        using var sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(options), disposeHandler: true);
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(options), disposeHandler: true);
        using var direct = new Http1Handler(options);
        using var cancellation = new CancellationTokenSource();
        var buffer = new byte[4096];
        var targets = new (string Name, HttpRequestMessage Request, Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> Send)[]
        {
            ("SocketsHttpHandler", Http1TransportSendBenchmarks.ForwardedGet(backend.Address), r => new(sockets.SendAsync(r, cancellation.Token))),
            ("EdgeKit through HttpMessageInvoker", Http1TransportSendBenchmarks.ForwardedGet(backend.Address), r => new(edgeKit.SendAsync(r, cancellation.Token))),
            ("EdgeKit direct (the forwarder's seam)", Http1TransportSendBenchmarks.ForwardedGet(backend.Address), r => direct.SendDirectAsync(r, cancellation.Token)),
        };

        foreach (var (name, request, send) in targets)
        {
            Loop(send, request, buffer, cancellation.Token, Math.Max(count / 10, 1000));
            AllocationSampler.Report(reset: true);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            Loop(send, request, buffer, cancellation.Token, count);
            clock.Stop();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {(double)allocated / count:F1} B/request, {clock.Elapsed.TotalMicroseconds / count:F1} µs/request ({count} requests)"));
            if (AllocationSampler.Enabled)
            {
                Console.WriteLine(AllocationSampler.Report(reset: true));
            }
        }

        return 0;
    }

    // One async loop for all requests (its own frame allocated once): blocking on each request's ValueTask would need
    // AsTask(), whose wrapper would be counted as the transport's.
    private static void Loop(Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> send, HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken, int count) =>
        LoopAsync(send, request, buffer, cancellationToken, count).GetAwaiter().GetResult();

    private static async Task LoopAsync(Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> send, HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await Http1TransportSendBenchmarks.ReadAsync(send(request), buffer, cancellationToken).ConfigureAwait(false);
        }
    }
}
