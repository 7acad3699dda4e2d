using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// The HTTP/1.1 connections to one destination (scheme, host, port). Idle connections wait in a fixed array of slots
/// taken and given back with one interlocked exchange each (no lock, no allocation); a connection past its lifetime
/// or idle timeout, or one the backend closed while it was idle, is closed instead of being used.
/// </summary>
internal sealed class Http1ConnectionPool : IDisposable
{
    private readonly Http1Handler _handler;
    private readonly string _host;
    private readonly int _port;
    private readonly bool _tls;
    private readonly Http1Connection?[] _idle;
    private readonly SemaphoreSlim? _limit;
    private readonly long _idleTimeoutTicks;
    private readonly long _lifetimeTicks;
    private readonly ITimer _scavenger;
    private int _idleHint;
    private int _open;
    private int _disposed;

    public Http1ConnectionPool(Http1Handler handler, Uri destination)
    {
        _handler = handler;
        // An IPv6 literal without its brackets, as sockets and TLS want it.
        _host = destination.IdnHost is ['[', .. var inner, ']'] ? inner : destination.IdnHost;
        _port = destination.Port;
        _tls = destination.Scheme == Uri.UriSchemeHttps;
        HostField = Http1RequestWriter.HostField(destination);
        var options = handler.Options;
        _idle = new Http1Connection?[Math.Min(options.MaxConnectionsPerServer ?? 256, 256)];
        if (options.MaxConnectionsPerServer is { } max)
        {
            _limit = new SemaphoreSlim(max, max);
        }

        var time = handler.Time;
        _idleTimeoutTicks = (long)(options.PooledConnectionIdleTimeout.TotalSeconds * time.TimestampFrequency);
        _lifetimeTicks = (long)(options.PooledConnectionLifetime.TotalSeconds * time.TimestampFrequency);
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

    /// <summary>Connections open now (idle or serving a request).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Sends through an idle connection, or a new one; <paramref name="lend"/>: see <see cref="Http1Connection.SendAsync"/>.</summary>
    public ValueTask<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri uri, bool lend, CancellationToken cancellationToken)
    {
        // The usual case, an idle connection and no limit, adds no async frame of its own.
        if (_limit is null && RentIdle() is { } idle)
        {
            return idle.SendAsync(request, uri, lend, cancellationToken);
        }

        return SendSlowAsync(request, uri, lend, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponseMessage> SendSlowAsync(HttpRequestMessage request, Uri uri, bool lend, CancellationToken cancellationToken)
    {
        if (_limit is not null)
        {
            await _limit.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = (_limit is null ? null : RentIdle()) ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await connection.SendAsync(request, uri, lend, cancellationToken).ConfigureAwait(false);
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
                    _limit?.Release();
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
                _limit?.Release();
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
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            try
            {
                EndPoint endPoint = IPAddress.TryParse(_host, out var address) ? new IPEndPoint(address, _port) : new DnsEndPoint(_host, _port);
                await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new HttpRequestException(
                    ex.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData ? HttpRequestError.NameResolutionError : HttpRequestError.ConnectionError,
                    $"Connecting to {_host}:{_port} failed: {ex.Message}", ex);
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
                    throw new HttpRequestException(HttpRequestError.SecureConnectionError, $"The TLS handshake with {_host}:{_port} failed: {ex.Message}", ex);
                }
            }

            Interlocked.Increment(ref _open);
            return new Http1Connection(this, socket, stream, Time.GetTimestamp());
        }
        catch (Exception ex)
        {
            stream?.Dispose();
            socket.Dispose();
            _limit?.Release();
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // ConnectTimeout (TCP and TLS handshakes): what SocketsHttpHandler throws for it, a cancellation caused by
                // a TimeoutException, so the gateway answers, classifies and retries it the same on either transport.
                throw new TaskCanceledException("The operation was canceled.", new TimeoutException(
                    $"{ConnectTimedOut} Connecting to {_host}:{_port} took longer than {options.ConnectTimeout.TotalSeconds:0.###} s.", ex), timeout.Token);
            }

            throw;
        }
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
