using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Transport.Epoll;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// The HTTP/1.1 connections to one destination (scheme, host, port). Idle connections wait in a fixed array of slots
/// taken and given back with one interlocked exchange each (no lock, no allocation); a connection past its lifetime
/// or idle timeout, or one the backend closed while it was idle, is closed instead of being used.
/// </summary>
/// <remarks>
/// <c>MaxConnectionsPerServer</c> counts the connections serving a request, being opened, or carrying an upgraded
/// tunnel (after a 101, until it closes: <see cref="Http1Connection.EndTunnel"/>) (a permit each, one
/// compare-and-swap to take, one interlocked decrement to give back). A request that finds none left waits in a FIFO
/// queue, the only place with a lock and an allocation, reached only at the limit; a permit given back while requests
/// wait goes to the oldest of them. A cancelled wait leaves the queue at once.
/// </remarks>
internal sealed class Http1ConnectionPool : IDisposable
{
    private readonly Http1Handler _handler;
    private readonly string _host;
    private readonly int _port;
    private readonly bool _tls;
    private readonly bool _epoll;
    private readonly string _authority;
    private readonly Http1Connection?[] _idle;
    private readonly int _max;
    private readonly LinkedList<PermitWaiter>? _waiters;
    private readonly long _idleTimeoutTicks;
    private readonly long _lifetimeTicks;
    private readonly ITimer _scavenger;
    private int _idleHint;
    private int _open;
    private int _busy;
    private int _waiting;
    private int _disposed;

    public Http1ConnectionPool(Http1Handler handler, Uri destination)
    {
        _handler = handler;
        // An IPv6 literal without its brackets, as sockets and TLS want it.
        _host = destination.IdnHost is ['[', .. var inner, ']'] ? inner : destination.IdnHost;
        _port = destination.Port;
        // How messages name the destination: an IPv6 literal in brackets, as SocketsHttpHandler shows it.
        _authority = _host.Contains(':', StringComparison.Ordinal)
            ? $"[{_host}]:{_port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : $"{_host}:{_port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        _tls = destination.Scheme == Uri.UriSchemeHttps;
        // TLS stays on .NET's sockets (SslStream over NetworkStream).
        _epoll = handler.UsesEpoll && !_tls;
        HostField = Http1RequestWriter.HostField(destination);
        var options = handler.Options;
        _idle = new Http1Connection?[Math.Min(options.MaxConnectionsPerServer ?? 256, 256)];
        if (options.MaxConnectionsPerServer is { } max)
        {
            _max = max;
            _waiters = new LinkedList<PermitWaiter>();
        }

        var time = handler.Time;
        _idleTimeoutTicks = Ticks(options.PooledConnectionIdleTimeout, time);
        _lifetimeTicks = Ticks(options.PooledConnectionLifetime, time);
        var period = options.PooledConnectionIdleTimeout < TimeSpan.FromSeconds(30) ? options.PooledConnectionIdleTimeout : TimeSpan.FromSeconds(30);
        // The timer holds the pool weakly: a pool replaced on reload, once its connections are gone, is collected, and
        // its timer then stops itself.
        var scavenger = new Scavenger(new WeakReference<Http1ConnectionPool>(this));
        _scavenger = time.CreateTimer(static state => ((Scavenger)state!).Run(), scavenger, period, period);
        scavenger.Timer = _scavenger;
    }

    /// <summary>The <c>Host</c> field line sent unless a transform set another.</summary>
    public byte[] HostField { get; }

    public TimeProvider Time => _handler.Time;

    public TimeSpan ExpectContinueTimeout => _handler.ExpectContinueTimeout;

    /// <summary>Connections open now (idle, serving a request, or carrying an upgraded tunnel).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Requests waiting for one of the <c>MaxConnectionsPerServer</c> connections (for tests and diagnostics).</summary>
    public int WaitingRequests => Volatile.Read(ref _waiting);

    /// <summary>Sends through an idle connection, or a new one; <paramref name="lend"/>: see <see cref="Http1Connection.SendAsync"/>.</summary>
    public ValueTask<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri uri, bool lend, CancellationToken cancellationToken)
    {
        // The usual case, a permit at once (or no limit) and an idle connection, adds no async frame of its own, no
        // lock and no allocation. Nobody passes requests already waiting for a permit.
        if (_max == 0 || (Volatile.Read(ref _waiting) == 0 && TryTakePermit()))
        {
            return RentIdle() is { } idle
                ? idle.SendAsync(request, uri, lend, cancellationToken)
                : ConnectAndSendAsync(request, uri, lend, cancellationToken);
        }

        return WaitAndSendAsync(request, uri, lend, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponseMessage> ConnectAndSendAsync(HttpRequestMessage request, Uri uri, bool lend, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await connection.SendAsync(request, uri, lend, cancellationToken).ConfigureAwait(false);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponseMessage> WaitAndSendAsync(HttpRequestMessage request, Uri uri, bool lend, CancellationToken cancellationToken)
    {
        await WaitForPermitAsync(cancellationToken).ConfigureAwait(false);
        var connection = RentIdle() ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await connection.SendAsync(request, uri, lend, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes one of the <c>MaxConnectionsPerServer</c> permits if one is left: no lock, no allocation.</summary>
    private bool TryTakePermit()
    {
        int busy = Volatile.Read(ref _busy);
        while (busy < _max)
        {
            int seen = Interlocked.CompareExchange(ref _busy, busy + 1, busy);
            if (seen == busy)
            {
                return true;
            }

            busy = seen;
        }

        return false;
    }

    /// <summary>Gives a permit back: to the oldest waiting request if there is one.</summary>
    private void ReleasePermit()
    {
        if (_max == 0)
        {
            return;
        }

        Interlocked.Decrement(ref _busy);
        if (Volatile.Read(ref _waiting) > 0)
        {
            GrantWaiters();
        }
    }

    /// <summary>
    /// Hands free permits to waiting requests, oldest first. Runs after every release seen with requests waiting and
    /// after every request starts waiting: whichever of the two comes second sees the other (both are interlocked), so
    /// a permit never stays free while a request waits.
    /// </summary>
    private void GrantWaiters()
    {
        var waiters = _waiters!;
        while (Volatile.Read(ref _waiting) > 0 && TryTakePermit())
        {
            PermitWaiter? next = null;
            lock (waiters)
            {
                if (waiters.First is { } first)
                {
                    next = first.Value;
                    waiters.RemoveFirst();
                    Volatile.Write(ref _waiting, waiters.Count);
                }
            }

            if (next is null)
            {
                // The waiter left (cancelled) meanwhile: the permit goes back, and the loop looks again.
                Interlocked.Decrement(ref _busy);
                continue;
            }

            // Out of the queue, a waiter cannot be cancelled any more: it holds the permit from here.
            next.TrySetResult();
        }
    }

    private async Task WaitForPermitAsync(CancellationToken cancellationToken)
    {
        var waiter = new PermitWaiter(this);
        var waiters = _waiters!;
        lock (waiters)
        {
            waiter.Node = waiters.AddLast(waiter);
            // Interlocked (a full fence): the permit count GrantWaiters reads next is not read before this write.
            Interlocked.Exchange(ref _waiting, waiters.Count);
        }

        GrantWaiters();
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((PermitWaiter)state!).Cancel(token), waiter);
        }

        try
        {
            await waiter.Task.ConfigureAwait(false);
        }
        finally
        {
            await waiter.Registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A request waiting for a permit (allocated only at the limit).</summary>
    private sealed class PermitWaiter(Http1ConnectionPool pool) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public LinkedListNode<PermitWaiter>? Node;

        public CancellationTokenRegistration Registration;

        public void Cancel(CancellationToken token)
        {
            var waiters = pool._waiters!;
            lock (waiters)
            {
                if (Node?.List is null)
                {
                    // Already given a permit: the request goes on, and its own token ends it there.
                    return;
                }

                waiters.Remove(Node);
                Volatile.Write(ref pool._waiting, waiters.Count);
            }

            TrySetException(new TaskCanceledException(
                $"The request was cancelled while it waited for a connection to {pool._authority} (MaxConnectionsPerServer {pool._max}).", null, token));
        }
    }

    /// <summary>A duration in timestamp ticks of <paramref name="time"/>, at most <see cref="long.MaxValue"/> (never).</summary>
    private static long Ticks(TimeSpan duration, TimeProvider time)
    {
        double ticks = duration.TotalSeconds * time.TimestampFrequency;
        return ticks >= long.MaxValue ? long.MaxValue : (long)ticks;
    }

    private Http1Connection? RentIdle()
    {
        if (Volatile.Read(ref _idleHint) <= 0)
        {
            return null;
        }

        long now = Time.GetTimestamp();
        var slots = _idle;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null)
            {
                continue;
            }

            var connection = Interlocked.Exchange(ref slots[i], null);
            if (connection is null)
            {
                continue;
            }

            Interlocked.Decrement(ref _idleHint);
            if (connection.IsUsableAfterIdle && !Expired(connection, now))
            {
                return connection;
            }

            connection.Close();
            Discard(connection, releaseLimit: false);
        }

        return null;
    }

    private bool Expired(Http1Connection connection, long now) =>
        now - connection.IdleSinceTimestamp >= _idleTimeoutTicks || now - connection.CreatedTimestamp >= _lifetimeTicks;

    /// <summary>Takes back a connection whose exchange ended cleanly.</summary>
    public void Return(Http1Connection connection)
    {
        long now = Time.GetTimestamp();
        if (Volatile.Read(ref _disposed) == 0 && now - connection.CreatedTimestamp < _lifetimeTicks)
        {
            connection.BeginIdle(now);
            var slots = _idle;
            for (int i = 0; i < slots.Length; i++)
            {
                if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], connection, null) is null)
                {
                    Interlocked.Increment(ref _idleHint);
                    // Only now may a request waiting for MaxConnectionsPerServer go on: it finds this connection idle.
                    ReleasePermit();
                    return;
                }
            }
        }

        connection.Close();
        Discard(connection, releaseLimit: true);
    }

    /// <summary>Counts out a connection that was closed after an error, or that may not be reused.</summary>
    public void Discard(Http1Connection connection) => Discard(connection, releaseLimit: true);

    private void Discard(Http1Connection connection, bool releaseLimit)
    {
        if (connection.TryMarkDiscarded())
        {
            Interlocked.Decrement(ref _open);
            if (releaseLimit)
            {
                ReleasePermit();
            }
        }
    }

    /// <summary>SocketsHttpHandler's message for a connect that ran out of ConnectTimeout.</summary>
    internal const string ConnectTimedOut = "A connection could not be established within the configured ConnectTimeout.";

    private async Task<Http1Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var options = _handler.Options;
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Socket? socket = null;
        Stream? stream = null;
        EpollSocket? epoll = null;
        try
        {
            try
            {
                if (_epoll)
                {
                    (socket, epoll) = await ConnectOnEpollAsync(linked.Token).ConfigureAwait(false);
                }
                else
                {
                    // Inside the try: a socket the system refuses (out of descriptors) fails this request alone and gives
                    // its MaxConnectionsPerServer permit back.
                    socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    EndPoint endPoint = IPAddress.TryParse(_host, out var address) ? new IPEndPoint(address, _port) : new DnsEndPoint(_host, _port);
                    await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
                }
            }
            catch (SocketException ex)
            {
                // SocketsHttpHandler's wording, so that logs and status pages read the same on either transport.
                throw new HttpRequestException(
                    ex.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData ? HttpRequestError.NameResolutionError : HttpRequestError.ConnectionError,
                    $"{ex.Message} ({_authority})", ex);
            }

            stream = new NetworkStream(socket, ownsSocket: false);
            if (_tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                try
                {
                    var sslOptions = _handler.SslOptions(_host);
                    await ssl.AuthenticateAsClientAsync(sslOptions, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new HttpRequestException(HttpRequestError.SecureConnectionError, $"The TLS handshake with {_authority} failed: {ex.Message}", ex);
                }
            }

            Interlocked.Increment(ref _open);
            return new Http1Connection(this, socket, stream, Time.GetTimestamp(), epoll);
        }
        catch (Exception ex)
        {
            epoll?.Dispose();
            stream?.Dispose();
            socket?.Dispose();
            ReleasePermit();
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // ConnectTimeout (TCP and TLS handshakes): what SocketsHttpHandler throws for it, a cancellation caused by
                // a TimeoutException, so the gateway answers, classifies and retries it the same on either transport.
                throw new TaskCanceledException("The operation was canceled.", new TimeoutException(
                    $"{ConnectTimedOut} Connecting to {_authority} took longer than {options.ConnectTimeout.TotalSeconds:0.###} s.", ex), timeout.Token);
            }

            throw;
        }
    }

    /// <summary>
    /// Connects a socket registered with EdgeKit's epoll engine: the host's addresses (a literal, or what DNS answers)
    /// tried in order, as <see cref="Socket.ConnectAsync(EndPoint, CancellationToken)"/> does for a <see cref="DnsEndPoint"/>;
    /// the last address's error is thrown. <paramref name="cancellationToken"/> (ConnectTimeout included) ends a connect
    /// in progress with <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<(Socket Socket, EpollSocket Epoll)> ConnectOnEpollAsync(CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(_host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(_host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            EpollSocket? epoll = null;
            try
            {
                epoll = EpollSocket.Create(socket, EpollEngine.Shared);
                var connect = new ConnectOperation();
                using (cancellationToken.UnsafeRegister(static state => ((EpollSocket)state!).Dispose(), epoll))
                {
                    if (epoll.ConnectAsync(connect, new IPEndPoint(address, _port)))
                    {
                        await connect.Task.ConfigureAwait(false);
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (connect.SocketError != SocketError.Success)
                {
                    throw new SocketException((int)connect.SocketError);
                }

                return (socket, epoll);
            }
            catch (SocketException ex)
            {
                epoll?.Dispose();
                socket.Dispose();
                last = ex;
            }
            catch
            {
                epoll?.Dispose();
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <summary>A connect on the epoll engine, awaited (once per connection: its task is no hot-path allocation).</summary>
    private sealed class ConnectOperation() : EpollOperation(runContinuationsInline: true)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _completion.Task;

        protected override void OnCompleted() => _completion.TrySetResult();
    }

    private void Scavenge()
    {
        long now = Time.GetTimestamp();
        var slots = _idle;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is { } connection && (!connection.IsUsableAfterIdle || Expired(connection, now))
                && Interlocked.CompareExchange(ref slots[i], null, connection) == connection)
            {
                Interlocked.Decrement(ref _idleHint);
                connection.Close();
                Discard(connection, releaseLimit: false);
            }
        }
    }

    private sealed class Scavenger(WeakReference<Http1ConnectionPool> pool)
    {
        public ITimer? Timer;

        public void Run()
        {
            if (pool.TryGetTarget(out var target))
            {
                target.Scavenge();
            }
            else
            {
                Timer?.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _scavenger.Dispose();
        var slots = _idle;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Interlocked.Exchange(ref slots[i], null) is { } connection)
            {
                connection.Close();
                Discard(connection, releaseLimit: false);
            }
        }
    }
}
