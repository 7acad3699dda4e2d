using System.Buffers;
using System.IO.Pipelines;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// The duplex stream of a connection whose backend switched protocols (<c>101 Switching Protocols</c>): the tunnel of a
/// WebSocket or any other HTTP/1.1 upgrade. Reads return first what the backend sent after the 101's head (already in the
/// connection's pipe: the new protocol's first bytes, never lost), then read the connection's stream directly; writes go
/// straight to it (the request head was flushed before the 101 could arrive, and an upgrade request has no body here).
/// </summary>
/// <remarks>
/// The connection left its pool for good when the 101 arrived but keeps its <c>MaxConnectionsPerServer</c> permit while
/// the tunnel lives. The tunnel ends, closing the connection and giving the permit back once, when the stream is disposed,
/// when the backend closes its side (a read returns its end), or when a read or write fails. One read and one write may
/// run at the same time (what a tunnel copying both ways does), as on the connection's socket or TLS stream.
/// </remarks>
internal sealed class Http1UpgradedStream : Stream
{
    private readonly Http1Connection _connection;
    private readonly PipeReader _buffered;
    private readonly Stream _transport;
    private bool _drained;
    private volatile bool _ended;
    private volatile bool _disposed;

    public Http1UpgradedStream(Http1Connection connection, PipeReader buffered, Stream transport)
    {
        _connection = connection;
        _buffered = buffered;
        _transport = transport;
    }

    public override bool CanRead => !_disposed;

    public override bool CanWrite => !_disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            // The backend closed its side (or the tunnel failed): the end of the stream, again.
            return new ValueTask<int>(0);
        }

        if (!_drained && TryReadBuffered(buffer.Span, out int buffered))
        {
            return new ValueTask<int>(buffered);
        }

        return ReadTransportAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// What the pipe still holds from the backend (the bytes after the 101's head): true with their first bytes while
    /// there are some; false, once, when they are all read (the pipe is then left for good).
    /// </summary>
    private bool TryReadBuffered(Span<byte> buffer, out int count)
    {
        count = 0;
        if (_buffered.TryRead(out var result))
        {
            var data = result.Buffer;
            if (!data.IsEmpty)
            {
                // A zero-byte read (waiting for data) returns at once and consumes nothing.
                count = (int)Math.Min(data.Length, buffer.Length);
                data.Slice(0, count).CopyTo(buffer);
                _buffered.AdvanceTo(data.GetPosition(count));
                return true;
            }

            _buffered.AdvanceTo(data.End);
            if (result.IsCompleted)
            {
                // The backend closed right after the 101.
                _drained = true;
                _buffered.Complete();
                End();
                return true;
            }
        }

        _drained = true;
        _buffered.Complete();
        return false;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadTransportAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await _transport.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            End();
            ObjectDisposedException.ThrowIf(_disposed, this);
            throw new IOException("Reading from the backend's upgraded connection failed.", ex);
        }

        if (read == 0 && !buffer.IsEmpty)
        {
            // The backend closed its side: the tunnel is over.
            End();
        }

        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            return ValueTask.FromException(new IOException("The backend's upgraded connection is closed."));
        }

        var write = _transport.WriteAsync(buffer, cancellationToken);
        return write.IsCompletedSuccessfully ? default : AwaitWriteAsync(write, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWriteAsync(ValueTask write, CancellationToken cancellationToken)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            End();
            ObjectDisposedException.ThrowIf(_disposed, this);
            throw new IOException("Writing to the backend's upgraded connection failed.", ex);
        }
    }

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    // A socket sends what it is given; TLS encrypts and sends each write: nothing waits in between.
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _ended ? Task.FromException(new IOException("The backend's upgraded connection is closed.")) : _transport.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Ends the tunnel (once): the connection is closed and its permit given back.</summary>
    private void End()
    {
        _ended = true;
        _connection.EndTunnel();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            _ended = true;
            _connection.EndTunnel();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The content of a <c>101</c> response: its stream is the tunnel (<see cref="Http1UpgradedStream"/>), as SocketsHttpHandler hands it out.</summary>
internal sealed class Http1UpgradedContent(Http1UpgradedStream tunnel) : HttpContent
{
    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => tunnel;

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(tunnel);

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => tunnel.CopyToAsync(stream);

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken) =>
        tunnel.CopyToAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            tunnel.Dispose();
        }

        base.Dispose(disposing);
    }
}
