using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>
/// One accepted client connection of <see cref="EpollConnectionListener"/>: the socket on the epoll engine, an input
/// pipe (the receive loop writes, Kestrel reads) and an output pipe (Kestrel writes, the send loop reads). Follows
/// Kestrel's socket transport's contract: the peer's FIN completes the input; a reset completes it with
/// <see cref="ConnectionResetException"/>; Kestrel completing the output shuts the socket down and closes it;
/// <see cref="Abort(ConnectionAbortedException)"/> ends both loops at once; <see cref="ConnectionClosed"/> fires once,
/// on the thread pool, when the input ends; <see cref="DisposeAsync"/> waits for both loops.
/// </summary>
internal sealed partial class EpollConnection : ConnectionContext
{
    private readonly EpollSocket _socket;
    private readonly EpollSocketAwaitable _receiver;
    private readonly EpollSocketAwaitable _sender;
    private readonly ILogger _logger;
    private readonly EpollSocketCount _openSockets;
    private readonly int _minReceiveBufferSize;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _closedFired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The transport's ends of the two pipes, and Kestrel's (kept: connection middleware such as TLS replaces Transport).
    private readonly PipeWriter _input;
    private readonly PipeReader _output;
    private readonly IDuplexPipe _originalTransport;

    private int _shutdown;
    private int _closedFiring;
    private volatile Exception? _shutdownReason;
    private Task _processing = Task.CompletedTask;

    public EpollConnection(EpollSocket socket, MemoryPool<byte> memoryPool, PipeOptions inputOptions, PipeOptions outputOptions, EpollSocketCount openSockets, ILogger logger)
    {
        _socket = socket;
        _openSockets = openSockets;
        _logger = logger;
        MemoryPool = memoryPool;
        // Half a pool block, as Kestrel's socket transport: a receive never gets a sliver at the end of a block.
        _minReceiveBufferSize = Math.Max(256, Math.Min(memoryPool.MaxBufferSize, 4096) / 2);
        // Completions run on the loop thread: there the receive loop only moves bytes into the pipe, and the pipe's
        // reader scheduler decides where Kestrel continues (inline, or the thread pool).
        _receiver = new EpollSocketAwaitable(runContinuationsInline: true);
        _sender = new EpollSocketAwaitable(runContinuationsInline: true);

        var input = new Pipe(inputOptions);
        var output = new Pipe(outputOptions);
        _input = input.Writer;
        _output = output.Reader;
        _originalTransport = new DuplexPipe(input.Reader, output.Writer);
        Transport = _originalTransport;

        LocalEndPoint = socket.Socket.LocalEndPoint;
        RemoteEndPoint = socket.Socket.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        Interlocked.Increment(ref openSockets.Value);
    }

    /// <summary>Starts the receive and send loops.</summary>
    public void Start() => _processing = RunAsync();

    /// <inheritdoc />
    public override void Abort(ConnectionAbortedException abortReason)
    {
        // The socket's disposal ends a pending receive and send; cancelling the output's read ends a send loop waiting for Kestrel.
        Shutdown(abortReason, abortive: true);
        _output.CancelPendingRead();
    }

    /// <inheritdoc />
    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        // Kestrel calls this once its connection middleware has finished (so ConnectionClosed has fired or will).
        _originalTransport.Input.Complete();
        _originalTransport.Output.Complete();
        await _processing;
        _closed.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            var receiving = ReceiveLoopAsync();
            var sending = SendLoopAsync();
            await receiving;
            await sending;
        }
        catch (Exception ex)
        {
            EpollTransportLog.UnexpectedError(_logger, ConnectionId, ex);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            var input = _input;
            while (true)
            {
                var buffer = input.GetMemory(_minReceiveBufferSize);
                int received = await _receiver.ReceiveAsync(_socket, buffer);
                if (received == 0)
                {
                    // The peer's FIN.
                    break;
                }

                input.Advance(received);
                var flush = await input.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    // Kestrel stopped reading, or the send loop ended the connection.
                    break;
                }
            }
        }
        catch (SocketException ex) when (IsReset(ex.SocketErrorCode))
        {
            error = new ConnectionResetException(ex.Message, ex);
            if (Volatile.Read(ref _shutdown) == 0)
            {
                EpollTransportLog.ConnectionReset(_logger, ConnectionId);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException s && IsAbort(s.SocketErrorCode)))
        {
            // The socket was shut down and disposed by Shutdown: _shutdownReason says why.
            error = ex;
        }
        catch (Exception ex)
        {
            error = ex;
            EpollTransportLog.UnexpectedError(_logger, ConnectionId, ex);
        }
        finally
        {
            _input.Complete(_shutdownReason ?? error);
            FireConnectionClosed();
            await _closedFired.Task;
        }
    }

    private async Task SendLoopAsync()
    {
        Exception? shutdownReason = null;
        Exception? unexpected = null;
        try
        {
            var output = _output;
            while (true)
            {
                var result = await output.ReadAsync();
                if (result.IsCanceled)
                {
                    // Abort.
                    break;
                }

                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await _sender.SendAsync(_socket, buffer);
                }

                output.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException ex) when (IsReset(ex.SocketErrorCode))
        {
            shutdownReason = new ConnectionResetException(ex.Message, ex);
            EpollTransportLog.ConnectionReset(_logger, ConnectionId);
        }
        catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException s && IsAbort(s.SocketErrorCode)))
        {
            // Abort came first and set the reason.
            shutdownReason = ex;
        }
        catch (Exception ex)
        {
            shutdownReason = ex;
            unexpected = ex;
            EpollTransportLog.UnexpectedError(_logger, ConnectionId, ex);
        }
        finally
        {
            Shutdown(shutdownReason, abortive: false);
            _output.Complete(unexpected);
            // A receive loop waiting for Kestrel to read (back-pressure) ends too.
            _input.CancelPendingFlush();
        }
    }

    /// <summary>
    /// Once: shuts the socket down both ways (a FIN to the peer), takes it off the engine (a pending receive or send
    /// completes with OperationAborted) and closes it. An <paramref name="abortive"/> close (an abort) resets the
    /// connection instead, as Kestrel's socket transport does: the peer must not take what it got for a whole answer.
    /// </summary>
    private void Shutdown(Exception? reason, bool abortive)
    {
        if (Interlocked.Exchange(ref _shutdown, 1) != 0)
        {
            return;
        }

        // Set before the socket goes: the receive loop, woken by the disposal, completes the input with it.
        _shutdownReason = reason ?? new ConnectionAbortedException("The EdgeKit socket transport's send loop completed gracefully.");
        var socket = _socket.Socket;
        try
        {
            if (abortive)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            else
            {
                socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (SocketException)
        {
            // Already reset or not connected: closing it is all that is left.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        socket.Dispose();
        Interlocked.Decrement(ref _openSockets.Value);
    }

    private void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _closedFiring, 1) != 0)
        {
            return;
        }

        // Never on the loop thread: the token's callbacks are application code.
        ThreadPool.UnsafeQueueUserWorkItem(
            static connection =>
            {
                try
                {
                    connection._closed.Cancel();
                }
                catch (Exception ex)
                {
                    EpollTransportLog.UnexpectedError(connection._logger, connection.ConnectionId, ex);
                }

                connection._closedFired.TrySetResult();
            },
            this,
            preferLocal: false);
    }

    private static bool IsReset(SocketError error) => error is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted;

    private static bool IsAbort(SocketError error) => error is SocketError.OperationAborted or SocketError.Interrupted or SocketError.InvalidArgument or SocketError.NotConnected;

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
