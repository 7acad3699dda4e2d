using System.Buffers;
using System.IO.Pipelines;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>How a response's body is delimited (RFC 9112 §6.3).</summary>
internal enum Http1ResponseFraming
{
    /// <summary>No body: a HEAD request, 1xx, 204, 304, or <c>Content-Length: 0</c>.</summary>
    None,

    /// <summary><c>Content-Length</c> bytes.</summary>
    ContentLength,

    /// <summary>Chunked, then a trailer section.</summary>
    Chunked,

    /// <summary>Until the backend closes the connection, which is then not reused.</summary>
    CloseDelimited,
}

/// <summary>
/// A response body read straight from the connection's pipe, unframed as it goes. Reaching its end hands the connection
/// back to its pool (when it may be reused); disposing it before the end, or any error, closes the connection.
/// </summary>
internal sealed class Http1ResponseStream : Stream
{
    private enum ChunkState
    {
        Size,
        Data,
        DataEnd,
        Trailers,
    }

    private readonly Http1Connection _connection;
    private readonly PipeReader _reader;
    private HttpResponseMessage _response = null!;
    private Http1ResponseFraming _framing;
    private long _remaining;
    private ChunkState _chunk;
    private bool _done;
    private int _released;
    private volatile bool _endedCleanly;

    public Http1ResponseStream(Http1Connection connection)
    {
        _connection = connection;
        _reader = connection.Reader;
    }

    /// <summary>
    /// Starts the body of <paramref name="response"/>'s exchange: a new stream, or one whose previous response was given
    /// back to the connection after its body ended (see <see cref="Http1Response"/>).
    /// </summary>
    public void Reset(HttpResponseMessage response, Http1ResponseFraming framing, long length)
    {
        _response = response;
        _framing = framing;
        _remaining = length;
        _chunk = ChunkState.Size;
        _done = framing == Http1ResponseFraming.None;
        _endedCleanly = false;
        Volatile.Write(ref _released, 0);
    }

    /// <summary>Whether the whole body has been read.</summary>
    public bool Completed => _done;

    /// <summary>Whether the body ended as its framing said (read to its end, or there was none): the exchange is over.</summary>
    public bool EndedCleanly => _endedCleanly;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done)
        {
            return new ValueTask<int>(0);
        }

        if (Volatile.Read(ref _released) != 0)
        {
            return ValueTask.FromException<int>(new ObjectDisposedException(nameof(Http1ResponseStream)));
        }

        return ReadCoreAsync(buffer, cancellationToken);
    }

    // Pooled: a body read that waits for the backend costs no state machine allocation.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException(cancellationToken);
                }

                var data = result.Buffer;
                if (_framing != Http1ResponseFraming.Chunked || _chunk == ChunkState.Data)
                {
                    if (data.IsEmpty)
                    {
                        if (!result.IsCompleted)
                        {
                            _reader.AdvanceTo(data.Start);
                            continue;
                        }

                        _reader.AdvanceTo(data.Start);
                        if (_framing == Http1ResponseFraming.CloseDelimited)
                        {
                            Finish(completed: true, reusable: false);
                            return 0;
                        }

                        throw new HttpIOException(HttpRequestError.ResponseEnded,
                            "The backend closed the connection before the end of the response body.");
                    }

                    if (buffer.IsEmpty)
                    {
                        // A zero-byte read waits for data without consuming any.
                        _reader.AdvanceTo(data.Start);
                        return 0;
                    }

                    long available = _framing == Http1ResponseFraming.CloseDelimited ? data.Length : Math.Min(data.Length, _remaining);
                    int count = (int)Math.Min(available, buffer.Length);
                    var slice = data.Slice(0, count);
                    slice.CopyTo(buffer.Span);
                    _reader.AdvanceTo(slice.End);
                    if (_framing != Http1ResponseFraming.CloseDelimited)
                    {
                        _remaining -= count;
                        if (_remaining == 0)
                        {
                            if (_framing == Http1ResponseFraming.ContentLength)
                            {
                                Finish(completed: true, reusable: true);
                            }
                            else
                            {
                                _chunk = ChunkState.DataEnd;
                            }
                        }
                    }

                    return count;
                }

                if (ReadChunkFraming(data, result.IsCompleted))
                {
                    return 0;
                }
            }
        }
        catch (Exception ex)
        {
            Finish(completed: false, reusable: false);
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("Reading the backend's response body was cancelled.", ex, cancellationToken);
            }

            if (ex is HttpIOException)
            {
                throw;
            }

            throw new HttpIOException(HttpRequestError.ResponseEnded, "Reading the backend's response body failed.", ex);
        }
    }

    /// <summary>
    /// The small-response fast path (issue 20): the whole rest of a <c>Content-Length</c> body when it is already in the
    /// connection's read buffer (it came in the same read as the head, as a small answer does), without a receive;
    /// empty for a body that is over or never was. The bytes stay the connection's until <see cref="EndBufferedBody"/>,
    /// which the caller must call once it has passed them on (whether or not that succeeded): nothing else may read
    /// this stream or its connection meanwhile. False (nothing taken, nothing changed) when the body is chunked or
    /// close-delimited, not wholly buffered, or the stream was given up.
    /// </summary>
    public bool TryTakeBufferedBody(out ReadOnlySequence<byte> body)
    {
        body = default;
        if (_done)
        {
            return true;
        }

        if (_framing != Http1ResponseFraming.ContentLength || Volatile.Read(ref _released) != 0 || !_reader.TryRead(out var result))
        {
            return false;
        }

        var data = result.Buffer;
        if (result.IsCanceled || data.Length < _remaining)
        {
            // Nothing consumed or examined: the next read sees the same bytes.
            _reader.AdvanceTo(data.Start);
            return false;
        }

        body = data.Slice(0, _remaining);
        return true;
    }

    /// <summary>
    /// Ends a body taken with <see cref="TryTakeBufferedBody"/>: its bytes are consumed and the exchange is over, so the
    /// connection goes back to its pool (when it may be reused), as after reading the body to its end.
    /// </summary>
    public void EndBufferedBody(ReadOnlySequence<byte> body)
    {
        if (_done)
        {
            return;
        }

        _reader.AdvanceTo(body.End);
        _remaining = 0;
        Finish(completed: true, reusable: true);
    }

    /// <summary>Consumes chunk framing (size lines, the CRLF after data, the trailer section); true when the body ended.</summary>
    private bool ReadChunkFraming(ReadOnlySequence<byte> data, bool completed)
    {
        switch (_chunk)
        {
            case ChunkState.DataEnd:
                if (data.Length < 2)
                {
                    break;
                }

                Span<byte> crlf = stackalloc byte[2];
                data.Slice(0, 2).CopyTo(crlf);
                if (crlf[0] != (byte)'\r' || crlf[1] != (byte)'\n')
                {
                    throw new Http1ProtocolException("The backend's chunk data is not followed by CRLF.");
                }

                _reader.AdvanceTo(data.GetPosition(2));
                _chunk = ChunkState.Size;
                return false;
            case ChunkState.Size:
                if (data.PositionOf((byte)'\n') is { } lf)
                {
                    var line = data.Slice(0, data.GetPosition(1, lf));
                    if (line.Length > Http1ResponseParser.MaxChunkLineSize)
                    {
                        throw new Http1ProtocolException($"The backend's chunk-size line is longer than {Http1ResponseParser.MaxChunkLineSize} bytes.");
                    }

                    Span<byte> copy = stackalloc byte[(int)line.Length];
                    line.CopyTo(copy);
                    Http1ResponseParser.TryReadLine(copy, 0, out var text, out _, "chunk-size line");
                    long size = Http1ResponseParser.ParseChunkSize(text);
                    _reader.AdvanceTo(line.End);
                    if (size == 0)
                    {
                        _chunk = ChunkState.Trailers;
                    }
                    else
                    {
                        _remaining = size;
                        _chunk = ChunkState.Data;
                    }

                    return false;
                }

                if (data.Length > Http1ResponseParser.MaxChunkLineSize)
                {
                    throw new Http1ProtocolException($"The backend's chunk-size line is longer than {Http1ResponseParser.MaxChunkLineSize} bytes.");
                }

                break;
            case ChunkState.Trailers:
                if (Http1ResponseParser.TryParseFields(data, _response.TrailingHeaders, out var end, "trailer section"))
                {
                    _reader.AdvanceTo(end);
                    Finish(completed: true, reusable: true);
                    return true;
                }

                break;
        }

        if (completed)
        {
            throw new HttpIOException(HttpRequestError.ResponseEnded, "The backend closed the connection in the middle of a chunked response body.");
        }

        _reader.AdvanceTo(data.Start, data.End);
        return false;
    }

    private void Finish(bool completed, bool reusable)
    {
        _done = completed;

        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _endedCleanly = completed;
            _connection.EndExchange(reusable);
        }
    }

    /// <summary>Hands the connection back for a response without a body (called once its head is read).</summary>
    public void ReleaseIfEmpty()
    {
        if (_framing == Http1ResponseFraming.None && Interlocked.Exchange(ref _released, 1) == 0)
        {
            _endedCleanly = true;
            _connection.EndExchange(reusable: true);
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _released, 1) == 0)
        {
            // Not read to its end: the rest of the body is still on the connection, which cannot serve another request.
            _connection.EndExchange(reusable: false);
        }

        base.Dispose(disposing);
    }
}

/// <summary>A response's content over an <see cref="Http1ResponseStream"/>.</summary>
internal sealed class Http1ResponseContent : HttpContent
{
    private Http1ResponseStream? _stream;
    private volatile bool _serialized;

    // HttpContent remembers the stream of its first ReadAsStream/ReadAsStreamAsync, and how it was asked for: a content
    // whose stream was first taken asynchronously (a response transform) refuses the forwarder's synchronous
    // ReadAsStream ever after, so it is not reused. (The forwarder's own synchronous read returns the same stream object
    // on every exchange, which the reuse keeps.)
    private volatile bool _readAsync;

    /// <summary>The body stream; null until the first exchange of a new response sets it.</summary>
    public Http1ResponseStream? Stream => _stream;

    /// <summary>
    /// Whether the content may serve another exchange: its body ended cleanly, and it was never serialized (buffering,
    /// <c>ReadAsStringAsync</c>, <c>CopyToAsync</c>), which would leave a copy of this body inside <see cref="HttpContent"/>.
    /// </summary>
    public bool Reusable => !_serialized && !_readAsync && _stream is { EndedCleanly: true };

    public void SetStream(Http1ResponseStream stream) => _stream = stream;

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => _stream!;

    protected override Task<Stream> CreateContentReadStreamAsync()
    {
        _readAsync = true;
        return Task.FromResult<Stream>(_stream!);
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        _serialized = true;
        return _stream!.CopyToAsync(stream);
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
    {
        _serialized = true;
        return _stream!.CopyToAsync(stream, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream?.Dispose();
        }

        base.Dispose(disposing);
    }
}
