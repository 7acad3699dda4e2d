using EdgeKit.AspNetCore.Transport;
using EdgeKit.AspNetCore.Transport.Epoll;
using EdgeKit.AspNetCore.Transport.Epoll.Kestrel;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.AspNetCore.Hosting;

/// <summary><see cref="IWebHostBuilder"/> extensions that put Kestrel on EdgeKit's socket transport.</summary>
public static class WebHostBuilderEdgeKitSocketsExtensions
{
    /// <summary>
    /// Puts Kestrel's TCP endpoints on EdgeKit's socket transport: connections do their I/O on EdgeKit's epoll engine
    /// (Linux), which reads a socket only when it has bytes (no speculative receive before each wait, one system call
    /// saved per read that waits) and, with <see cref="EdgeKitSocketOptions.UnsafeInlineCompletions"/>, runs Kestrel's
    /// request processing on the engine's loop thread. Kestrel's HTTP/1.1, HTTP/2 and TLS are unchanged. Unix sockets,
    /// named pipes and file-handle endpoints stay on Kestrel's own socket transport. With
    /// <see cref="EdgeKitSocketOptions.BackendConnections"/> (the default), EdgeKit's own HTTP/1.1 backend connections
    /// use the engine too.
    /// </summary>
    /// <remarks>
    /// Where the engine is not supported (not Linux) this changes nothing: Kestrel keeps its socket transport, and a
    /// message says so once at information level when the server starts. Kestrel tries the transports registered last
    /// first: call this after any <c>UseSockets</c> of the same builder.
    /// </remarks>
    /// <param name="builder">The web host builder.</param>
    /// <param name="configure">Sets the options; called once, now (an invalid value throws here).</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option was set to a value out of its range (the message names it).</exception>
    public static IWebHostBuilder UseEdgeKitSockets(this IWebHostBuilder builder, Action<EdgeKitSocketOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new EdgeKitSocketOptions();
        configure?.Invoke(options);
        if (options.BackendConnections && EpollEngine.IsSupported)
        {
            // Process-wide, and before the first backend connection pool exists.
            EdgeKitSockets.BackendEnabled = true;
        }

        return builder.ConfigureServices(services =>
        {
            services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
            // Kestrel's socket transport stays registered (before this one) for the endpoints this one does not bind.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, SocketTransportFactory>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, EpollTransportFactory>());
        });
    }
}
