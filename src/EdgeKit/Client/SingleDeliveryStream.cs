using System.Threading.Tasks.Sources;

namespace EdgeKit.Client;

/// <summary>
/// Wraps an HTTP/1.x connection's plaintext stream so that <see cref="SocketsHttpHandler"/> never resends a request by
/// itself. The handler resends (up to three more times) a request without content, or one still waiting on
/// <c>Expect: 100-continue</c>, when the connection ends cleanly before any byte of the response: it takes that for a
/// pooled connection the server had closed while idle. It tells that case by a read returning 0; this stream turns such
/// a read into an <see cref="HttpIOException"/> (<see cref="HttpRequestError.ResponseEnded"/>), which the handler
/// reports as it is, without resending. The backend may have received and acted on the request, so whether to send it
/// again is the caller's decision (EdgeKit's resilience handler, counted in its retry budget).
/// </summary>
/// <remarks>
/// <para>Only the end of the stream while a request head is written and no byte of its response has arrived is
/// changed: a response delimited by the end of the connection, an idle pooled connection closing, and the tunnel after
/// a <c>101 Switching Protocols</c> still end with a read of 0. A write "starts a request" when it begins with an
/// HTTP/1.1 request line, which is how the handler writes each request head.</para>
/// <para>Allocates nothing per read or write (a read that waits completes through one reusable source per stream).</para>
/// </remarks>
internal sealed class SingleDeliveryStream : Stream, IValueTaskSource<int>
{

    private const int Idle = 0;
    private const int AwaitingResponse = 1;
    private const int Tunnel = 2;

    private readonly Stream _inner;
    private readonly Action _onReadCompleted;
    private int _state;

    // A read that does not complete at once is observed when it does through this one reusable source (a connection
    // reads one buffer at a time): an async method here would allocate a state machine for each of the many reads that
    // wait on a busy gateway (the pooling builder's per-thread cache does not cover dozens of connections waiting at once).
    private ManualResetValueTaskSourceCore<int> _read;
    private ValueTask<int> _pendingRead;
    private Memory<byte> _pendingBuffer;

    public SingleDeliveryStream(Stream inner)
    {
        _inner = inner;
        _onReadCompleted = OnReadCompleted;
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanWrite => _inner.CanWrite;

    public override bool CanSeek => false;

    public override bool CanTimeout => _inner.CanTimeout;

    public override int ReadTimeout
    {
        get => _inner.ReadTimeout;
        set => _inner.ReadTimeout = value;
    }

    public override int WriteTimeout
    {
        get => _inner.WriteTimeout;
        set => _inner.WriteTimeout = value;
    }

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = _inner.Read(buffer);
        return buffer.IsEmpty ? read : Observe(buffer[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = _inner.ReadAsync(buffer, cancellationToken);
        if (buffer.IsEmpty)
        {
            // A zero-byte read waits for data without consuming any: it says nothing about the end of the stream.
            return read;
        }

        if (read.IsCompletedSuccessfully)
        {
            return new ValueTask<int>(Observe(buffer.Span[..read.Result]));
        }

        return AwaitAsync(read, buffer);
    }

    private ValueTask<int> AwaitAsync(ValueTask<int> read, Memory<byte> buffer)
    {
        _read.Reset();
        _pendingRead = read;
        _pendingBuffer = buffer;
        read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReadCompleted);
        return new ValueTask<int>(this, _read.Version);
    }

    private void OnReadCompleted()
    {
        var read = _pendingRead;
        var buffer = _pendingBuffer;
        _pendingRead = default;
        _pendingBuffer = default;
        try
        {
            int count = read.GetAwaiter().GetResult();
            _read.SetResult(Observe(buffer.Span[..count]));
        }
        catch (Exception ex)
        {
            _read.SetException(ex);
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    private int Observe(ReadOnlySpan<byte> received)
    {
        int state = Volatile.Read(ref _state);
        if (state != AwaitingResponse)
        {
            return received.Length;
        }

        if (received.IsEmpty)
        {
            throw new HttpIOException(HttpRequestError.ResponseEnded, SocketsHttpHandlerExtensions.NotAnsweredMessage);
        }

        // The first bytes of the response: after a 101 the connection carries another protocol until it closes.
        Volatile.Write(ref _state, IsSwitchingProtocols(received) ? Tunnel : Idle);
        return received.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObserveWrite(buffer);
        _inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObserveWrite(buffer.Span);
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    private void ObserveWrite(ReadOnlySpan<byte> sent)
    {
        if (Volatile.Read(ref _state) != Tunnel && IsRequestHead(sent))
        {
            Volatile.Write(ref _state, AwaitingResponse);
        }
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <summary>Whether <paramref name="data"/> begins with an HTTP/1.x request line: <c>TOKEN SP target SP HTTP/1.x CRLF</c>.</summary>
    internal static bool IsRequestHead(ReadOnlySpan<byte> data)
    {
        int space = data.IndexOf((byte)' ');
        if (space <= 0 || data[..space].IndexOfAnyExceptInRange((byte)'!', (byte)'~') >= 0)
        {
            return false;
        }

        int lineFeed = data.IndexOf((byte)'\n');
        return lineFeed >= space + 12
            && data[lineFeed - 1] == (byte)'\r'
            && data[lineFeed - 10] == (byte)' '
            && data.Slice(lineFeed - 9, 7).SequenceEqual("HTTP/1."u8);
    }

    private static bool IsSwitchingProtocols(ReadOnlySpan<byte> data) =>
        data.Length >= 12 && data.StartsWith("HTTP/1."u8) && data.Slice(8, 4).SequenceEqual(" 101"u8);
}
