using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>
/// A listening TCP socket whose accepted connections run on the epoll engine. Accepting stays on .NET's own
/// <see cref="Socket.AcceptAsync(CancellationToken)"/> (rare, and it leaves .NET's engine idle between connections);
/// each accepted socket is handed to <see cref="EpollSocket.Create"/> before any asynchronous operation touches it.
/// </summary>
internal sealed class EpollConnectionListener : IConnectionListener
{
    private readonly EdgeKitSocketOptions _options;
    private readonly EpollEngine _engine;
    private readonly MemoryPool<byte> _memoryPool;
    private readonly PipeOptions _inputOptions;
    private readonly PipeOptions _outputOptions;
    private readonly EpollSocketCount _openSockets;
    private readonly ILogger _logger;
    private Socket? _listenSocket;

    public EpollConnectionListener(EndPoint endpoint, EdgeKitSocketOptions options, EpollEngine engine, MemoryPool<byte> memoryPool, EpollSocketCount openSockets, ILogger logger)
    {
        _openSockets = openSockets;
        EndPoint = endpoint;
        _options = options;
        _engine = engine;
        _memoryPool = memoryPool;
        _logger = logger;

        long maxRead = options.MaxReadBufferSize ?? 0;
        long maxWrite = options.MaxWriteBufferSize ?? 0;
        // Kestrel's side of each pipe: inline (the loop thread runs the request pipeline) or the thread pool. The
        // transport's side is always inline: the receive loop resumes on whichever thread let Kestrel's read drain the
        // pipe, the send loop runs on the thread that flushed (and sends there, without a hop).
        var application = options.UnsafeInlineCompletions ? PipeScheduler.Inline : PipeScheduler.ThreadPool;
        _inputOptions = new PipeOptions(memoryPool, readerScheduler: application, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: maxRead, resumeWriterThreshold: maxRead / 2, useSynchronizationContext: false);
        _outputOptions = new PipeOptions(memoryPool, readerScheduler: PipeScheduler.Inline, writerScheduler: application, pauseWriterThreshold: maxWrite, resumeWriterThreshold: maxWrite / 2, useSynchronizationContext: false);
    }

    /// <inheritdoc />
    public EndPoint EndPoint { get; private set; }

    /// <summary>Binds and listens (the port is known afterwards when 0 was asked).</summary>
    /// <exception cref="AddressInUseException">Another socket holds the address.</exception>
    public void Bind()
    {
        if (_listenSocket is not null)
        {
            throw new InvalidOperationException("The EdgeKit socket transport's listener is already bound.");
        }

        var ip = (IPEndPoint)EndPoint;
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any))
            {
                // [::] takes IPv4 too, as Kestrel's ListenAnyIP does.
                socket.DualMode = true;
            }

            socket.Bind(ip);
            socket.Listen(_options.Backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(e.Message, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        EndPoint = socket.LocalEndPoint!;
        _listenSocket = socket;
    }

    /// <inheritdoc />
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var listenSocket = _listenSocket ?? throw new InvalidOperationException("Bind must be called before AcceptAsync.");
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listenSocket.AcceptAsync(cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                // UnbindAsync or DisposeAsync: no more connections.
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                return null;
            }
            catch (SocketException)
            {
                // Reset while it waited in the backlog: take the next one.
                EpollTransportLog.ConnectionReset(_logger, "(not accepted yet)");
                continue;
            }

            EpollSocket? epollSocket = null;
            try
            {
                accepted.NoDelay = _options.NoDelay;
                epollSocket = EpollSocket.Create(accepted, _engine);
                var connection = new EpollConnection(epollSocket, _memoryPool, _inputOptions, _outputOptions, _openSockets, _logger);
                connection.Start();
                return connection;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The peer went away between accept and here (getpeername/setsockopt fail): take the next one.
                epollSocket?.Dispose();
                accepted.Dispose();
                EpollTransportLog.ConnectionReset(_logger, "(not accepted yet)");
            }
        }
    }

    /// <inheritdoc />
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listenSocket?.Dispose();
        return default;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _listenSocket?.Dispose();
        // Kestrel disposes a listener after its connections have ended.
        _memoryPool.Dispose();
        return default;
    }
}
