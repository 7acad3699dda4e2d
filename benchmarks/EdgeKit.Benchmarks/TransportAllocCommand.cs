using System.Diagnostics;
using System.Globalization;
using System.Net;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Benchmarks.Gateway;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Resilience;

namespace EdgeKit.Benchmarks;

/// <summary>
/// <c>transport-alloc [requests] [scenario,...]</c>: for finding what a backend transport allocates per request. Sends
/// forwarded requests to a loopback backend, one at a time, through each transport (warmed first), and prints the exact
/// allocated bytes and the time per request; with <c>GWBENCH_ALLOC_TYPES=1</c> also the runtime's sampled allocations
/// by type (one sample per ~100 KB allocated, so send enough requests for a few hundred samples).
/// </summary>
/// <remarks>
/// Scenarios (all by default): <c>get</c>, the forwarded GET of <see cref="Http1TransportSendBenchmarks"/>;
/// <c>retry-get</c>, the same GET through a route's <see cref="EdgeKitResiliencePipeline"/> (default settings, no retry
/// happening) with an <see cref="IAttemptSender"/> as the forwarder's; <c>post-length</c>, a POST with a 100-byte
/// body and its Content-Length; <c>post-chunked</c>, the same body of unknown length (sent chunked, as the forwarder sends a streamed body
/// without Content-Length); <c>post-expect</c>, the Content-Length POST
/// with <c>Expect: 100-continue</c> (the backend answers 100 at once). The bodies' content is reused from request to
/// request (<see cref="ReusableBodyContent"/>), so what is counted is the transport's.
/// </remarks>
internal static class TransportAllocCommand
{
    private static readonly string[] s_scenarios = ["get", "retry-get", "post-length", "post-chunked", "post-expect"];

    public static int Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
        var scenarios = args.Length > 1 ? args[1].Split(',') : s_scenarios;
        if (scenarios.FirstOrDefault(s => !s_scenarios.Contains(s)) is { } unknown)
        {
            throw new ArgumentException($"transport-alloc: unknown scenario '{unknown}'; use {string.Join(", ", s_scenarios)}.");
        }

        AllocationSampler.StartIfEnabled();
        using var backend = new LoopbackHttpBackend();
        var options = new ClusterHttpClientOptions();
        using var sockets = new HttpMessageInvoker(BackendHandlers.CreateHandler(options), disposeHandler: true);
        using var edgeKit = new HttpMessageInvoker(new Http1Handler(options), disposeHandler: true);
        using var direct = new Http1Handler(options);
        using var cancellation = new CancellationTokenSource();
        var token = cancellation.Token;
        var buffer = new byte[4096];
        var transports = new (string Name, Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> Send)[]
        {
            ("SocketsHttpHandler", r => new(sockets.SendAsync(r, token))),
            ("EdgeKit through HttpMessageInvoker", r => new(edgeKit.SendAsync(r, token))),
            ("EdgeKit direct (the forwarder's seam)", r => direct.SendDirectAsync(r, token)),
        };

        var cluster = new Cluster("bench", [new Destination("d0", new Uri(backend.Address))], new LoadBalancingOptions());
        var pipeline = new EdgeKitResiliencePipeline(cluster, new EdgeKitResilienceOptions());
        foreach (string scenario in scenarios)
        {
            Console.WriteLine($"## {scenario}");
            foreach (var (name, send) in transports)
            {
                var request = Http1TransportSendBenchmarks.ForwardedGet(backend.Address);
                var run = send;
                switch (scenario)
                {
                    case "retry-get":
                        var sender = new AttemptSender(cluster, send);
                        run = r => new(pipeline.SendAsync(sender, r, token));
                        break;
                    case "post-length":
                    case "post-chunked":
                    case "post-expect":
                        request.Method = HttpMethod.Post;
                        request.Content = new ReusableBodyContent(new byte[100], knownLength: scenario != "post-chunked");
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                        if (scenario == "post-expect")
                        {
                            request.Headers.TryAddWithoutValidation("Expect", "100-continue");
                        }

                        break;
                }

                Measure(name, run, request, buffer, token, count);
            }
        }

        return 0;
    }

    private static void Measure(string name, Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> send, HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken, int count)
    {
        Loop(send, request, buffer, cancellationToken, Math.Max(count / 10, 1000));
        AllocationSampler.Report(reset: true);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        Loop(send, request, buffer, cancellationToken, count);
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {(double)allocated / count:F1} B/request, {clock.Elapsed.TotalMicroseconds / count:F1} µs/request ({count} requests)"));
        if (AllocationSampler.Enabled)
        {
            Console.WriteLine(AllocationSampler.Report(reset: true));
        }
    }

    // One async loop for all requests (its own frame allocated once): blocking on each request's ValueTask would need
    // AsTask(), whose wrapper would be counted as the transport's.
    private static void Loop(Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> send, HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken, int count) =>
        LoopAsync(send, request, buffer, cancellationToken, count).GetAwaiter().GetResult();

    private static async Task LoopAsync(Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> send, HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int read = await Http1TransportSendBenchmarks.ReadAsync(send(request), buffer, cancellationToken).ConfigureAwait(false);
            if (read != 15)
            {
                throw new InvalidOperationException($"transport-alloc: the response body had {read} bytes, not 15.");
            }
        }
    }

    /// <summary>An attempt as the gateway forwarder sends one: the cluster's destination, the lane's lifecycle, the transport.</summary>
    private sealed class AttemptSender(Cluster cluster, Func<HttpRequestMessage, ValueTask<HttpResponseMessage>> send) : IAttemptSender
    {
        public async Task<HttpResponseMessage> SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken)
        {
            var destination = cluster.Snapshot.AllDestinations[0];
            var lease = lane.Begin(destination, "bench");
            HttpResponseMessage response;
            try
            {
                response = await send(lane.Request).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lane.Complete(lease, 0, ex, cancellationToken);
                throw;
            }

            lane.Complete(lease, (int)response.StatusCode, null, cancellationToken);
            return response;
        }
    }

    /// <summary>A request body that can be sent any number of times: the same bytes, written in one piece.</summary>
    private sealed class ReusableBodyContent(byte[] body, bool knownLength) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var write = stream.WriteAsync(body, cancellationToken);
            return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return knownLength;
        }
    }
}
