using System.Globalization;
using System.Net;
using System.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Benchmarks.Gateway;

/// <summary>
/// A second, separate web application in the gateway's process, on its own port (127.0.0.1), that answers
/// <c>GET /__alloc</c> with the process's GC counters as <c>name value</c> lines. Being a separate app, it adds no
/// endpoint, middleware or matcher policy to the gateway's pipeline, so the measured request path is untouched;
/// the script reads it twice per round (before and after), which costs a few KB against millions of bytes.
/// <c>GET /__alloc/types</c> (add <c>?reset</c> to start over) shows allocated bytes by type when
/// <see cref="AllocationSampler"/> is on.
/// </summary>
internal static class AdminServer
{
    public static async Task<WebApplication> StartAsync(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(static context =>
        {
            if (context.Request.Path.Equals("/__alloc/types", StringComparison.Ordinal))
            {
                context.Response.ContentType = "text/plain";
                return context.Response.WriteAsync(AllocationSampler.Report(reset: context.Request.Query.ContainsKey("reset")));
            }

            if (!context.Request.Path.Equals("/__alloc", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(Counters());
        });
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    private static string Counters()
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        ThreadPool.GetMinThreads(out int minWorkers, out _);
        var culture = CultureInfo.InvariantCulture;
        return string.Create(culture,
            $"""
            allocated_bytes {GC.GetTotalAllocatedBytes(precise: true)}
            gen0 {GC.CollectionCount(0)}
            gen1 {GC.CollectionCount(1)}
            gen2 {GC.CollectionCount(2)}
            pause_ms {GC.GetTotalPauseDuration().TotalMilliseconds:F1}
            heap_bytes {info.HeapSizeBytes}
            server_gc {GCSettings.IsServerGC}
            processors {Environment.ProcessorCount}
            threadpool_threads {ThreadPool.ThreadCount}
            threadpool_min_workers {minWorkers}

            """);
    }
}
