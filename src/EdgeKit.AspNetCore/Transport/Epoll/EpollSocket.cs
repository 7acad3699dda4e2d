using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace EdgeKit.AspNetCore.Transport.Epoll;

/// <summary>
/// A non-blocking socket registered (edge triggered) with one loop of an <see cref="EpollEngine"/>: a receive makes its
/// <c>recv</c> only when the socket may hold bytes (an edge arrived since a receive last found it empty), so a receive
/// that has to wait costs no system call; a send sends everything, going on when the socket becomes writable again.
/// </summary>
/// <remarks>
/// <para>
/// Readiness per direction: an event counter the loop bumps (interlocked) on every edge, the counter's value when an
/// attempt last found the direction not ready (EAGAIN, a short read before any hang-up was reported, a partial send),
/// and one parked operation. An attempt
/// parks only if no edge arrived since it began (checked after publishing the operation, both sides with full fences),
/// else it tries again; the loop, on an edge, takes the parked operation and attempts it. Whoever takes the operation
/// (interlocked exchange) runs it: the loop, the caller taking it back, or <see cref="Dispose"/>.
/// </para>
/// <para>
/// One receive and one send (or connect) may be pending at a time, from any thread. Every system call holds a reference
/// on the socket's handle, so a close racing a loop's attempt never reaches another socket that reused the descriptor.
/// A receive with an empty buffer waits until the socket may be readable and completes with 0 bytes, making no call.
/// </para>
/// </remarks>
internal sealed unsafe class EpollSocket : IDisposable
{
    private const int MaxGatheredSegments = 16;

    private readonly EpollEngine _engine;
    private readonly EpollEngine.Loop _loop;
    private readonly SafeSocketHandle _handle;
    private readonly int _fd;

    // Set by the engine before the socket is published in its slot.
    internal int Slot;
    internal uint Generation;

    // Read readiness: not known to be readable until the first edge (the registration raises one if bytes are there).
    private int _readEvents;
    private int _readSeen;
    private EpollOperation? _readOp;

    // Set for good by the loop (before it bumps _readEvents) once the peer's end (EPOLLRDHUP) or an error (EPOLLERR) was
    // reported: the end stays readable without any further edge, so from then on a short read no longer says the socket
    // is drained.
    private int _readHangUp;

    // Write readiness: writable until a send finds the socket's buffer full.
    private int _writeEvents;
    private int _writeSeen = -1;
    private EpollOperation? _writeOp;

    private int _disposed;

    /// <summary>The read edges the loop has seen (for tests).</summary>
    internal int ReadEvents => Volatile.Read(ref _readEvents);

    /// <summary>The <c>recv</c> calls made so far (one receive runs at a time; for tests).</summary>
    internal int ReceiveCalls;

    /// <summary>The <c>send</c>/<c>sendmsg</c> calls made so far (one send runs at a time; for tests).</summary>
    internal int SendCalls;

    private EpollSocket(Socket socket, EpollEngine engine)
    {
        Socket = socket;
        _engine = engine;
        _handle = socket.SafeHandle;
        _fd = (int)_handle.DangerousGetHandle();
        _loop = engine.NextLoop();
    }

    /// <summary>The .NET socket (its owner disposes it, after this).</summary>
    public Socket Socket { get; }

    /// <summary>
    /// Takes a .NET <paramref name="socket"/> that has had no asynchronous operation (so .NET's engine never registered
    /// it), makes its descriptor non-blocking and registers it (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) with one of the
    /// engine's loops. <see cref="Socket.Blocking"/> stays true (.NET's view: it emulates blocking for its own synchronous
    /// calls, and a <see cref="NetworkStream"/> accepts the socket).
    /// </summary>
    /// <exception cref="SocketException">The registration failed.</exception>
    public static EpollSocket Create(Socket socket, EpollEngine engine)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(engine);
        // Sets O_NONBLOCK (fcntl) without registering with .NET's engine (that happens only when an async operation
        // waits). Back to "blocking" in .NET's view only: the descriptor stays O_NONBLOCK (.NET never clears it; it
        // emulates blocking for its own synchronous calls), and a NetworkStream, which refuses a non-blocking Socket,
        // can still be made over it (an upgraded connection's tunnel).
        socket.Blocking = false;
        socket.Blocking = true;
        var epollSocket = new EpollSocket(socket, engine);
        engine.Register(epollSocket, epollSocket._loop, epollSocket._fd);
        return epollSocket;
    }

    /// <summary>
    /// A non-blocking connect to <paramref name="remote"/> (an IPv4 address on a dual-mode IPv6 socket is mapped);
    /// when it is in progress, completes once the socket becomes writable. The first call goes through .NET's
    /// <see cref="Socket.Connect(EndPoint)"/> (on a non-blocking socket it only starts the connect, registering nothing),
    /// so that once connected the <see cref="Socket"/> knows it (<see cref="Socket.Connected"/>,
    /// <see cref="Socket.RemoteEndPoint"/>) and a <see cref="NetworkStream"/> can be made over it.
    /// </summary>
    /// <returns>True when pending (<see cref="EpollOperation.OnCompleted"/> will run), false when it completed now.</returns>
    public bool ConnectAsync(EpollOperation op, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(remote);
        op.Start(EpollOperationKind.Connect);
        if (Socket.AddressFamily == AddressFamily.InterNetworkV6 && remote.AddressFamily == AddressFamily.InterNetwork)
        {
            remote = new IPEndPoint(remote.Address.MapToIPv6(), remote.Port);
        }

        op.Address ??= new byte[28];
        op.AddressLength = Interop.WriteSocketAddress(remote, op.Address);
        if (Volatile.Read(ref _disposed) != 0)
        {
            op.SetResult(0, SocketError.OperationAborted);
            return false;
        }

        int events = Volatile.Read(ref _writeEvents);
        try
        {
            // Non-blocking in .NET's view for this call only: it starts the connect and returns (WouldBlock) at once.
            Socket.Blocking = false;
            try
            {
                Socket.Connect(remote);
            }
            finally
            {
                Socket.Blocking = true;
            }

            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.AlreadyInProgress)
        {
            // In progress: completes on a writable edge.
        }
        catch (SocketException ex)
        {
            op.SetResult(0, ex.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            op.SetResult(0, SocketError.OperationAborted);
            return false;
        }

        _writeSeen = events;
        return !TryWrite(op);
    }

    /// <summary>One <c>recv</c> into <see cref="EpollOperation.Buffer"/> when the socket may be readable; else waits, with no system call.</summary>
    /// <returns>True when pending (<see cref="EpollOperation.OnCompleted"/> will run), false when it completed now.</returns>
    public bool ReceiveAsync(EpollOperation op)
    {
        ArgumentNullException.ThrowIfNull(op);
        op.Start(EpollOperationKind.Receive);
        return !TryReceive(op);
    }

    /// <summary>Sends all of <see cref="EpollOperation.Buffer"/> (or <see cref="EpollOperation.Sequence"/>): partial sends go on when the socket is writable again.</summary>
    /// <returns>True when pending (<see cref="EpollOperation.OnCompleted"/> will run), false when it completed now.</returns>
    public bool SendAsync(EpollOperation op)
    {
        ArgumentNullException.ThrowIfNull(op);
        op.Start(EpollOperationKind.Send);
        return !TryWrite(op);
    }

    /// <summary>
    /// Deregisters the socket (EPOLL_CTL_DEL) and completes a pending receive, send or connect with
    /// <see cref="SocketError.OperationAborted"/> (on the thread pool); idempotent. Does not close <see cref="Socket"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _engine.Deregister(this, _loop, _handle, _fd);
        Abort(Interlocked.Exchange(ref _readOp, null));
        Abort(Interlocked.Exchange(ref _writeOp, null));
    }

    private static void Abort(EpollOperation? op)
    {
        if (op is not null)
        {
            op.SetResult(op.Kind == EpollOperationKind.Send ? (int)op.Sent : 0, SocketError.OperationAborted);
            op.CompleteOnThreadPool();
        }
    }

    /// <summary>Called by the loop for this socket's events.</summary>
    internal void OnEvents(uint events)
    {
        if ((events & (Interop.EPOLLIN | Interop.EPOLLRDHUP | Interop.EPOLLERR | Interop.EPOLLHUP)) != 0)
        {
            // The peer's FIN (RDHUP) or an error: what stays readable with no further edge. Not EPOLLHUP alone: a socket
            // registered before its connect reports it (TCP_CLOSE) once, and a connected one reports it only with one of those.
            if ((events & (Interop.EPOLLRDHUP | Interop.EPOLLERR)) != 0)
            {
                Volatile.Write(ref _readHangUp, 1);
            }

            Interlocked.Increment(ref _readEvents);
            if (Interlocked.Exchange(ref _readOp, null) is { } op && TryReceive(op))
            {
                op.Complete();
            }
        }

        if ((events & (Interop.EPOLLOUT | Interop.EPOLLERR | Interop.EPOLLHUP)) != 0)
        {
            Interlocked.Increment(ref _writeEvents);
            if (Interlocked.Exchange(ref _writeOp, null) is { } op && TryWrite(op))
            {
                op.Complete();
            }
        }
    }

    /// <summary>Receives when the socket may be readable, else parks <paramref name="op"/>; true when it completed (results set).</summary>
    private bool TryReceive(EpollOperation op)
    {
        while (true)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                op.SetResult(0, SocketError.OperationAborted);
                return true;
            }

            int events = Volatile.Read(ref _readEvents);
            if (events != _readSeen)
            {
                var buffer = op.Buffer;
                if (buffer.IsEmpty)
                {
                    // A zero-byte receive: the socket may be readable now, with no call.
                    op.SetResult(0, SocketError.Success);
                    return true;
                }

                nint received = CallRecv(buffer, out int errno);
                if (received >= 0)
                {
                    if (received > 0 && received < buffer.Length && Volatile.Read(ref _readHangUp) == 0)
                    {
                        // A short read drained the socket as of this edge (unless the peer's end or an error came with
                        // or before the bytes: that stays readable, and raises no new edge).
                        _readSeen = events;
                    }

                    op.SetResult((int)received, SocketError.Success);
                    return true;
                }

                if (errno == Interop.EAGAIN)
                {
                    _readSeen = events;
                }
                else if (errno != Interop.EINTR)
                {
                    op.SetResult(0, Interop.ToSocketError(errno));
                    return true;
                }

                continue;
            }

            if (Park(ref _readOp, ref _readEvents, events, op))
            {
                return false;
            }
        }
    }

    /// <summary>Sends (or completes a connect) when the socket may be writable, else parks <paramref name="op"/>; true when it completed.</summary>
    private bool TryWrite(EpollOperation op)
    {
        while (true)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                op.SetResult(op.Kind == EpollOperationKind.Send ? (int)op.Sent : 0, SocketError.OperationAborted);
                return true;
            }

            int events = Volatile.Read(ref _writeEvents);
            if (events != _writeSeen)
            {
                if (op.Kind == EpollOperationKind.Connect)
                {
                    // connect again: 0 (or EISCONN) once established, EALREADY while in progress, else why it failed.
                    int errno = CallConnect(op);
                    if (errno == 0 || errno == Interop.EISCONN)
                    {
                        // .NET's socket records the connection it started (a poll for writability, once per connection).
                        _ = Socket.Connected;
                        op.SetResult(0, SocketError.Success);
                        return true;
                    }

                    if (errno is Interop.EALREADY or Interop.EINPROGRESS or Interop.EAGAIN)
                    {
                        _writeSeen = events;
                    }
                    else if (errno != Interop.EINTR)
                    {
                        op.SetResult(0, Interop.ToSocketError(errno));
                        return true;
                    }

                    continue;
                }

                long total = op.Sequence.IsEmpty ? op.Buffer.Length : op.Sequence.Length;
                if (op.Sent >= total)
                {
                    op.SetResult((int)total, SocketError.Success);
                    return true;
                }

                nint sent = CallSend(op, out int attempted, out int sendErrno);
                if (sent >= 0)
                {
                    op.Sent += sent;
                    if (sent < attempted)
                    {
                        // The socket's buffer is full as of this edge.
                        _writeSeen = events;
                    }

                    continue;
                }

                if (sendErrno == Interop.EAGAIN)
                {
                    _writeSeen = events;
                }
                else if (sendErrno != Interop.EINTR)
                {
                    op.SetResult((int)op.Sent, Interop.ToSocketError(sendErrno));
                    return true;
                }

                continue;
            }

            if (Park(ref _writeOp, ref _writeEvents, events, op))
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="op"/> as parked; true when it stays parked (no edge since <paramref name="events"/>, or the
    /// loop or Dispose has taken it), false when the caller took it back to try again.
    /// </summary>
    private bool Park(ref EpollOperation? slot, ref int counter, int events, EpollOperation op)
    {
        Interlocked.Exchange(ref slot, op);
        if (Volatile.Read(ref counter) == events && Volatile.Read(ref _disposed) == 0)
        {
            return true;
        }

        return Interlocked.CompareExchange(ref slot, null, op) != op;
    }

    private nint CallRecv(Memory<byte> buffer, out int errno)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* p = buffer.Span)
            {
                ReceiveCalls++;
                nint received = Interop.Recv(_fd, p, buffer.Length, 0);
                errno = received < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
                return received;
            }
        }
        catch (ObjectDisposedException)
        {
            errno = Interop.EBADF;
            return -1;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private int CallConnect(EpollOperation op)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* address = op.Address)
            {
                return Interop.Connect(_fd, address, op.AddressLength) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return Interop.EBADF;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Sends what is left of the operation's bytes (16 segments at most at once); <paramref name="attempted"/>: how many were offered.</summary>
    private nint CallSend(EpollOperation op, out int attempted, out int errno)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            if (op.Sequence.IsEmpty || op.Sequence.IsSingleSegment)
            {
                var memory = op.Sequence.IsEmpty ? op.Buffer : op.Sequence.First;
                var rest = memory.Span.Slice((int)op.Sent);
                attempted = rest.Length;
                fixed (byte* p = rest)
                {
                    SendCalls++;
                    nint sent = Interop.Send(_fd, p, rest.Length, Interop.MSG_NOSIGNAL);
                    errno = sent < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
                    return sent;
                }
            }

            return SendGathered(op, out attempted, out errno);
        }
        catch (ObjectDisposedException)
        {
            attempted = 0;
            errno = Interop.EBADF;
            return -1;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private nint SendGathered(EpollOperation op, out int attempted, out int errno)
    {
        var pins = op.Pins ??= new MemoryHandle[MaxGatheredSegments];
        var vectors = stackalloc Interop.IoVector[MaxGatheredSegments];
        int count = 0;
        long skip = op.Sent;
        long offered = 0;
        try
        {
            foreach (var segment in op.Sequence)
            {
                if (skip >= segment.Length)
                {
                    skip -= segment.Length;
                    continue;
                }

                var part = segment.Slice((int)skip);
                skip = 0;
                if (part.IsEmpty)
                {
                    continue;
                }

                pins[count] = part.Pin();
                vectors[count].Base = (byte*)pins[count].Pointer;
                vectors[count].Length = (nuint)part.Length;
                offered += part.Length;
                if (++count == MaxGatheredSegments || offered >= int.MaxValue / 2)
                {
                    break;
                }
            }

            attempted = (int)offered;
            Interop.MessageHeader message = default;
            message.IoVectors = vectors;
            message.IoVectorCount = (nuint)count;
            SendCalls++;
            nint sent = Interop.SendMsg(_fd, &message, Interop.MSG_NOSIGNAL);
            errno = sent < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
            return sent;
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                pins[i].Dispose();
                pins[i] = default;
            }
        }
    }
}
