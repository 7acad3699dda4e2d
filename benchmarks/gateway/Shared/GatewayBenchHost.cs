using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Benchmarks.Gateway;

/// <summary>
/// The host both benchmark gateways share, so that only the proxy differs: the slim builder with every configuration
/// source and every logging provider removed, Kestrel on 127.0.0.1 with HTTP/1.1 only (what wrk speaks) and its
/// defaults otherwise; the admin app beside it; the process id printed once it listens.
/// <c>GWBENCH_INLINE_SCHEDULING=1</c> sets Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c> (run.sh's
/// inline I/O rows); <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> is the runtime's own variable, set by run.sh on
/// the process itself. <c>GWBENCH_EPOLL=1</c> puts Kestrel (and EdgeKit's backend connections) on EdgeKit's socket
/// transport, inline (the hosts that reference EdgeKit.AspNetCore define <c>GWBENCH_EDGEKIT_SOCKETS</c>).
/// </summary>
internal static class GatewayBenchHost
{
    public static WebApplicationBuilder CreateBuilder(GatewayBenchSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions());
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, settings.Port, o => o.Protocols = HttpProtocols.Http1));
        if (InlineScheduling)
        {
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        }

        if (EdgeKitSockets)
        {
#if GWBENCH_EDGEKIT_SOCKETS
            // After UseSockets (the transport registered last is tried first); also EdgeKit's backend connections.
            builder.WebHost.UseEdgeKitSockets(o => o.UnsafeInlineCompletions = true);
#else
            throw new InvalidOperationException("GWBENCH_EPOLL=1: this bench host does not reference EdgeKit.AspNetCore (EdgeKit's socket transport).");
#endif
        }

        return builder;
    }

    /// <summary>Whether <c>GWBENCH_EPOLL=1</c> asks for EdgeKit's socket transport (Kestrel and backend connections on EdgeKit's epoll engine, inline).</summary>
    public static bool EdgeKitSockets => Environment.GetEnvironmentVariable("GWBENCH_EPOLL") == "1";

    /// <summary>Whether <c>GWBENCH_INLINE_SCHEDULING=1</c> asks for Kestrel's inline scheduling.</summary>
    public static bool InlineScheduling => Environment.GetEnvironmentVariable("GWBENCH_INLINE_SCHEDULING") == "1";

    public static async Task RunAsync(WebApplication app, GatewayBenchSettings settings, string name)
    {
        AllocationSampler.StartIfEnabled();
        await using var admin = await AdminServer.StartAsync(settings.AdminPort).ConfigureAwait(false);
        await app.StartAsync().ConfigureAwait(false);
        Console.WriteLine($"{name} pid {Environment.ProcessId} listening on 127.0.0.1:{settings.Port} (admin 127.0.0.1:{settings.AdminPort}/__alloc) -> {string.Join(", ", settings.BackendAddresses)}; inline scheduling {(InlineScheduling ? "on" : "off")}, inline socket completions {(Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1" ? "on" : "off")}, EdgeKit sockets {(EdgeKitSockets ? "on" : "off")}");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
    }
}
