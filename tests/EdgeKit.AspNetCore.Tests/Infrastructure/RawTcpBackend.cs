using System.Net;
using System.Net.Sockets;

namespace EdgeKit.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A raw TCP backend on 127.0.0.1 (port 0): the listener, the accept loop that counts connections, and an orderly stop
/// that waits for every connection's task. Subclasses serve each accepted connection, byte for byte.
/// </summary>
public abstract class RawTcpBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;
    private int _accepts;
    private int _ended;
    private int _disposed;

    /// <param name="bind">The loopback address to listen on: 127.0.0.1 unless given (<see cref="IPAddress.IPv6Loopback"/> for <c>http://[::1]:port</c>).</param>
    protected RawTcpBackend(IPAddress? bind = null)
    {
        bind ??= IPAddress.Loopback;
        _listener = new TcpListener(bind, 0);
        _listener.Start();
        int port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Address = bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{bind}]:{port}" : $"http://{bind}:{port}";
    }

    public string Address { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepts => Volatile.Read(ref _accepts);

    /// <summary>Connections whose serving has ended (the backend closed or shut them down) so far.</summary>
    public int Ended => Volatile.Read(ref _ended);

    /// <summary>Cancelled when the backend stops.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>Starts accepting: called by the subclass once its own state is set.</summary>
    protected void StartAccepting() => _accepting = AcceptAsync();

    /// <summary>Serves one accepted connection (<paramref name="connection"/> is 1 for the first); the socket is disposed after.</summary>
    protected abstract Task ServeAsync(Socket socket, int connection);

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                connections.Add(ServeOwnedAsync(socket, Interlocked.Increment(ref _accepts)));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException || (ex is InvalidOperationException && _stop.IsCancellationRequested))
        {
            // Stopped: an accept that completed just before the stop loops back to a listener that is no longer
            // listening (InvalidOperationException "Not listening"), which ends the loop like the cancellation does.
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeOwnedAsync(Socket socket, int connection)
    {
        using var _ = socket;
        try
        {
            await ServeAsync(socket, connection);
        }
        finally
        {
            Interlocked.Increment(ref _ended);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
