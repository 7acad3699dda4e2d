using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>
/// Kestrel's connection listener factory for EdgeKit's socket transport. It binds TCP endpoints only
/// (<see cref="IPEndPoint"/>: <c>Listen(IPAddress, port)</c>, <c>ListenAnyIP</c>, <c>ListenLocalhost</c>, URLs); Unix
/// sockets, named pipes and file handles stay on Kestrel's own transport, which Kestrel picks when
/// <see cref="CanBind"/> says no. Where the engine is not supported, it binds nothing (Kestrel's sockets stay).
/// </summary>
internal sealed class EpollTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private static int s_notSupportedLogged;

    private readonly EdgeKitSocketOptions _options;
    private readonly IMemoryPoolFactory<byte> _memoryPoolFactory;
    private readonly ILogger _logger;
    private readonly EpollSocketCount _openSockets = new();

    public EpollTransportFactory(IOptions<EdgeKitSocketOptions> options, IMemoryPoolFactory<byte> memoryPoolFactory, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _memoryPoolFactory = memoryPoolFactory;
        _logger = loggerFactory.CreateLogger(EpollTransportLog.Category);
        if (!EpollEngine.IsSupported && Interlocked.Exchange(ref s_notSupportedLogged, 1) == 0)
        {
            EpollTransportLog.NotSupported(_logger);
        }
    }

    /// <summary>The accepted sockets of this factory's listeners not closed yet (tests: nothing leaks).</summary>
    internal long OpenSockets => Volatile.Read(ref _openSockets.Value);

    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint && EpollEngine.IsSupported;

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!CanBind(endpoint))
        {
            throw new NotSupportedException(EpollEngine.IsSupported
                ? $"EdgeKit's socket transport binds TCP endpoints (IPEndPoint) only, not {endpoint.GetType().Name} '{endpoint}'; Kestrel's own transport binds the others."
                : "EdgeKit's socket transport needs Linux (its epoll engine is not supported on this system).");
        }

        var pool = _memoryPoolFactory.Create(new MemoryPoolOptions { Owner = "edgekit-sockets" });
        var listener = new EpollConnectionListener(endpoint, _options, EpollEngine.Shared, pool, _openSockets, _logger);
        try
        {
            listener.Bind();
        }
        catch
        {
            pool.Dispose();
            throw;
        }

        EpollTransportLog.Listening(_logger, listener.EndPoint, _options.UnsafeInlineCompletions);
        return new ValueTask<IConnectionListener>(listener);
    }
}
