namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// Options of EdgeKit's Kestrel connection transport (<c>UseEdgeKitSockets</c>): Kestrel's client connections, and
/// EdgeKit's own HTTP/1.1 backend connections, do their socket I/O on EdgeKit's epoll engine (Linux) instead of .NET's
/// socket engine, which saves the speculative receive .NET makes before every wait (one system call per read that waits).
/// </summary>
public sealed class EdgeKitSocketOptions
{
    /// <summary>Kestrel's default for <see cref="MaxReadBufferSize"/>: 1 MiB.</summary>
    public const long DefaultMaxReadBufferSize = 1024 * 1024;

    /// <summary>Kestrel's default for <see cref="MaxWriteBufferSize"/>: 64 KiB.</summary>
    public const long DefaultMaxWriteBufferSize = 64 * 1024;

    /// <summary>The default <see cref="Backlog"/>: 512, Kestrel's.</summary>
    public const int DefaultBacklog = 512;

    private long? _maxReadBufferSize = DefaultMaxReadBufferSize;
    private long? _maxWriteBufferSize = DefaultMaxWriteBufferSize;
    private int _backlog = DefaultBacklog;

    /// <summary>
    /// Whether Kestrel's request processing (the connection middleware, the HTTP/1.1 and HTTP/2 parsers, the whole
    /// request pipeline with your middleware and endpoints) runs on the engine's loop thread that saw the socket become
    /// readable, instead of being queued to the thread pool. Default <see langword="false"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <see langword="true"/> is the point of the transport for a proxy: a request is read, routed, forwarded and answered
    /// on one thread without a hand-off (nginx's model). It is exactly as unsafe as Kestrel's
    /// <c>SocketTransportOptions.UnsafePreferInlineScheduling</c>: code that blocks (a synchronous call, <c>.Result</c>,
    /// <c>.Wait()</c>, <c>Thread.Sleep</c>, a lock held across I/O, a long CPU-bound step) stalls every connection of that
    /// loop thread while it blocks, and code that waits synchronously for another socket of the same loop deadlocks.
    /// Turn it on only when everything the application runs per request is non-blocking.
    /// </para>
    /// <para>
    /// With <see langword="false"/>, the loop thread only moves bytes between the socket and the connection's pipes;
    /// Kestrel's processing continues on the thread pool (one hand-off per read, as with Kestrel's socket transport).
    /// </para>
    /// </remarks>
    public bool UnsafeInlineCompletions { get; set; }

    /// <summary>Whether Nagle's algorithm is turned off on accepted connections (<c>TCP_NODELAY</c>). Default <see langword="true"/>, as Kestrel's.</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>
    /// How many received bytes a connection buffers before it stops reading the socket until Kestrel consumes some
    /// (back-pressure; reading resumes below half of it). Default <see cref="DefaultMaxReadBufferSize"/> (1 MiB);
    /// <see langword="null"/>: unlimited; 0: unlimited too (the pipe's meaning).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long? MaxReadBufferSize
    {
        get => _maxReadBufferSize;
        set => _maxReadBufferSize = value is < 0
            ? throw new ArgumentOutOfRangeException(nameof(MaxReadBufferSize), value, $"{nameof(EdgeKitSocketOptions)}.{nameof(MaxReadBufferSize)} must be 0 or more, or null for no limit.")
            : value;
    }

    /// <summary>
    /// How many bytes of output a connection buffers before Kestrel's writes wait for the socket (back-pressure;
    /// they resume below half of it). Default <see cref="DefaultMaxWriteBufferSize"/> (64 KiB); <see langword="null"/>:
    /// unlimited; 0: unlimited too (the pipe's meaning).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long? MaxWriteBufferSize
    {
        get => _maxWriteBufferSize;
        set => _maxWriteBufferSize = value is < 0
            ? throw new ArgumentOutOfRangeException(nameof(MaxWriteBufferSize), value, $"{nameof(EdgeKitSocketOptions)}.{nameof(MaxWriteBufferSize)} must be 0 or more, or null for no limit.")
            : value;
    }

    /// <summary>The listen backlog of each listening socket (connections the kernel queues before they are accepted). Default <see cref="DefaultBacklog"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int Backlog
    {
        get => _backlog;
        set => _backlog = value <= 0
            ? throw new ArgumentOutOfRangeException(nameof(Backlog), value, $"{nameof(EdgeKitSocketOptions)}.{nameof(Backlog)} must be 1 or more.")
            : value;
    }

    /// <summary>
    /// Whether EdgeKit's own HTTP/1.1 backend connections (cleartext clusters on EdgeKit's transport) also run on the
    /// engine, so that both sides of a proxied request share its loop threads. Default <see langword="true"/>. It is a
    /// process-wide switch, set when <c>UseEdgeKitSockets</c> is called: connection pools made afterwards use it.
    /// </summary>
    public bool BackendConnections { get; set; } = true;
}
