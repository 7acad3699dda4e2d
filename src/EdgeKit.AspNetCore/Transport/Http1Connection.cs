using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Net.Sockets;
using EdgeKit.Http;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// One HTTP/1.1 connection to a destination: a socket (under TLS for https) read and written through
/// System.IO.Pipelines. Serves one request at a time; after each it goes back to its pool only when the exchange ended
/// cleanly (whole response read, whole request body sent, no <c>Connection: close</c>); any error closes it.
/// </summary>
internal sealed class Http1Connection
{
    private const int Idle = 0;
    private const int BodyPending = 1;
    private const int BodyStarted = 2;
    private const int BodySkipped = 3;

    private readonly Http1ConnectionPool _pool;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly Http1RequestBodyStream _body;
    private int _closed;
    private int _discarded;

    // The exchange in progress.
    private HttpRequestMessage? _request;
    private Http1BodyFraming _framing;
    private long _contentLength;
    private int _bodyState;
    private Task? _bodySend;
    private CancellationToken _token;
    private bool _keepAlive;
    private ITimer? _expectTimer;

    // While idle in the pool, a read is pending: the backend closing the connection (or sending anything unasked)
    // completes it, and the connection is then not used again.
    private ValueTask<ReadResult> _idleRead;
    private bool _hasIdleRead;

    public Http1Connection(Http1ConnectionPool pool, Socket socket, Stream stream, long createdTimestamp)
    {
        _pool = pool;
        _socket = socket;
        _stream = stream;
        CreatedTimestamp = createdTimestamp;
        Reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true));
        Writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
        _body = new Http1RequestBodyStream(Writer);
    }

    public PipeReader Reader { get; }

    public PipeWriter Writer { get; }

    public long CreatedTimestamp { get; }

    public long IdleSinceTimestamp { get; private set; }

    /// <summary>How many requests this connection has been given (the first one included).</summary>
    public int Requests { get; private set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>True the first time only: the pool counts each connection out once.</summary>
    public bool TryMarkDiscarded() => Interlocked.Exchange(ref _discarded, 1) == 0;

    /// <summary>Starts watching an idle connection for its close (or for bytes nobody asked for).</summary>
    public void BeginIdle(long now)
    {
        IdleSinceTimestamp = now;
        _idleRead = Reader.ReadAsync();
        _hasIdleRead = true;
    }

    /// <summary>Whether an idle connection is still usable: open, nothing received since its last response.</summary>
    public bool IsUsableAfterIdle => !IsClosed && !(_hasIdleRead && _idleRead.IsCompleted);

    /// <summary>Sends <paramref name="request"/> and reads its response head.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri uri, CancellationToken cancellationToken)
    {
        Requests++;
        _request = request;
        _token = cancellationToken;
        _keepAlive = true;
        _bodySend = null;
        _bodyState = Idle;
        bool received = false;
        using var registration = cancellationToken.UnsafeRegister(static state => ((Http1Connection)state!).Close(), this);
        try
        {
            _framing = Http1RequestWriter.WriteHead(Writer, request, uri, _pool.HostField, out _contentLength);
            var content = request.Content;
            if (_framing == Http1BodyFraming.None)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (ExpectsContinue(request))
            {
                // RFC 9110 §10.1.1: the body waits for 100 Continue, or a short while for a server that does not send it.
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                _bodyState = BodyPending;
                _expectTimer = _pool.Time.CreateTimer(static state => ((Http1Connection)state!).StartBody(), this, _pool.ExpectContinueTimeout, Timeout.InfiniteTimeSpan);
            }
            else
            {
                if (content is not (ByteArrayContent or ReadOnlyMemoryContent))
                {
                    // A streamed body may start slowly: the backend gets the head at once (it may answer without the body).
                    await FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                _bodyState = BodyPending;
                StartBody();
            }

            while (true)
            {
                ReadResult result;
                if (_hasIdleRead)
                {
                    _hasIdleRead = false;
                    result = await _idleRead.ConfigureAwait(false);
                    _idleRead = default;
                }
                else
                {
                    result = await Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                }

                if (result.IsCanceled)
                {
                    // The body's send failed (see StartBody): its error is the request's.
                    await _bodySend!.ConfigureAwait(false);
                    throw new IOException("Reading the response was cancelled.");
                }

                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    received = true;
                }

                if (TryReadHead(buffer, request, out var consumed, out var response, out int status))
                {
                    Reader.AdvanceTo(consumed);
                    if (response is null)
                    {
                        // 1xx: 100 Continue releases a waiting body; other interim responses are not passed on.
                        if (status == 100)
                        {
                            StartBody();
                        }

                        continue;
                    }

                    // From here the connection may go back to the pool (a response without a body): the request's token
                    // must no longer be able to close it.
                    registration.Dispose();
                    return Answered(response);
                }

                if (buffer.Length > Http1ResponseParser.MaxHeadSize)
                {
                    throw new Http1ProtocolException($"The backend's response head is larger than {Http1ResponseParser.MaxHeadSize} bytes.");
                }

                if (result.IsCompleted)
                {
                    if (!received)
                    {
                        // The single-delivery rule: the request may have been processed, so it is not resent here; the
                        // resilience pipeline decides (RequestReplay: this is no connect failure).
                        throw new HttpIOException(HttpRequestError.ResponseEnded, SingleDeliveryStream.NotAnsweredMessage);
                    }

                    throw new HttpIOException(HttpRequestError.ResponseEnded, "The backend closed the connection in the middle of the response head.");
                }

                Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception ex)
        {
            Close();
            _pool.Discard(this);
            _expectTimer?.Dispose();
            ObserveBody();
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TaskCanceledException("The request to the backend was cancelled.", ex, cancellationToken);
            }

            if (_bodySend is { IsFaulted: true } failed && failed.Exception!.InnerException is { } bodyError)
            {
                throw new HttpRequestException(HttpRequestError.Unknown, "Sending the request body failed.", bodyError);
            }

            throw ex switch
            {
                HttpRequestException => ex,
                HttpIOException io => new HttpRequestException(io.HttpRequestError, io.Message, io),
                _ => new HttpRequestException(HttpRequestError.Unknown, received
                    ? "The connection to the backend failed while the response head was read."
                    : "The connection to the backend failed before any response byte arrived.", ex),
            };
        }
    }

    private HttpResponseMessage Answered(HttpResponseMessage response)
    {
        _expectTimer?.Dispose();
        _expectTimer = null;
        int state = Interlocked.CompareExchange(ref _bodyState, BodySkipped, BodyPending);
        if (state == BodyPending)
        {
            // A final answer before the body was asked for: the body is not sent, and the connection, whose framing the
            // backend may now read differently, is not reused.
            _keepAlive = false;
        }
        else if (state == BodyStarted && !_bodySend!.IsCompleted && response.StatusCode >= System.Net.HttpStatusCode.MultipleChoices)
        {
            // An early error answer (413, 401, ...): the body goes on only until the connection closes.
            _keepAlive = false;
        }

        ((Http1ResponseContent)response.Content).Stream.ReleaseIfEmpty();
        return response;
    }

    private static bool ExpectsContinue(HttpRequestMessage request)
    {
        if (!request.Headers.NonValidated.TryGetValues("Expect", out var values))
        {
            return false;
        }

        foreach (string value in values)
        {
            if (value.Contains("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private void StartBody()
    {
        if (Interlocked.CompareExchange(ref _bodyState, BodyStarted, BodyPending) != BodyPending)
        {
            return;
        }

        _bodySend = SendBodyAsync();
    }

    private async Task SendBodyAsync()
    {
        try
        {
            _body.Reset(_framing, _contentLength);
            await _request!.Content!.CopyToAsync(_body, null, _token).ConfigureAwait(false);
            await _body.CompleteAsync(_token).ConfigureAwait(false);
        }
        catch
        {
            // The response cannot be trusted to come, nor the connection to be reused.
            _keepAlive = false;
            Reader.CancelPendingRead();
            throw;
        }
    }

    private void ObserveBody()
    {
        if (_bodySend is { } send && !send.IsCompleted)
        {
            _ = send.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            _ = _bodySend?.Exception;
        }
    }

    /// <summary>Called once per exchange when its response body has ended (or was abandoned).</summary>
    public void EndExchange(bool reusable)
    {
        var bodySend = _bodySend;
        _request = null;
        _token = default;
        if (reusable && _keepAlive && !IsClosed && (bodySend is null || bodySend.IsCompletedSuccessfully)
            && Volatile.Read(ref _bodyState) != BodySkipped)
        {
            _bodySend = null;
            _pool.Return(this);
            return;
        }

        Close();
        ObserveBody();
        _pool.Discard(this);
    }

    private ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = Writer.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            return result.IsCompleted || result.IsCanceled
                ? ValueTask.FromException(new IOException("The connection to the backend was closed while the request was sent."))
                : default;
        }

        return Await(flush);

        static async ValueTask Await(ValueTask<FlushResult> flush)
        {
            var result = await flush.ConfigureAwait(false);
            if (result.IsCanceled || result.IsCompleted)
            {
                throw new IOException("The connection to the backend was closed while the request was sent.");
            }
        }
    }

    /// <summary>
    /// Parses a response head from <paramref name="buffer"/>. False when it is not complete yet. True with
    /// <paramref name="response"/> <see langword="null"/> for an interim (1xx) response.
    /// </summary>
    private bool TryReadHead(ReadOnlySequence<byte> buffer, HttpRequestMessage request, out SequencePosition consumed, out HttpResponseMessage? response, out int status)
    {
        response = null;
        status = 0;
        consumed = buffer.Start;
        byte[]? rented = null;
        try
        {
            var span = Linearize(buffer, ref rented);
            if (!TryFindEnd(span, "response head", out int end))
            {
                return false;
            }

            consumed = buffer.GetPosition(end);
            Http1ResponseParser.TryReadLine(span, 0, out var statusLine, out int position, "status line");
            Http1ResponseParser.ParseStatusLine(statusLine, out status, out int minor, out var reason);
            if (status < 200)
            {
                if (status == 101)
                {
                    throw new Http1ProtocolException("The backend switched protocols (101) for a request that asked for no upgrade.");
                }

                // Interim fields are checked like any others, then dropped.
                CheckFields(span, position);
                return true;
            }

            var content = new Http1ResponseContent();
            response = new HttpResponseMessage((System.Net.HttpStatusCode)status)
            {
                Version = minor == 0 ? System.Net.HttpVersion.Version10 : System.Net.HttpVersion.Version11,
                RequestMessage = request,
                Content = content,
            };
            if (!reason.IsEmpty && !System.Text.Ascii.Equals(reason, response.ReasonPhrase ?? string.Empty))
            {
                response.ReasonPhrase = Http1ResponseParser.FieldValue(reason);
            }

            long contentLength = -1;
            bool transferEncoding = false;
            bool chunkedLast = false;
            bool close = minor == 0;
            while (Http1ResponseParser.TryReadLine(span, position, out var line, out position, "response head") && !line.IsEmpty)
            {
                Http1ResponseParser.ParseField(line, out var name, out var value, out bool unsafeValue, "response head");
                if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
                {
                    long length = Http1ResponseParser.ParseContentLength(value);
                    if (contentLength >= 0 && contentLength != length)
                    {
                        throw new Http1ProtocolException("The backend sent Content-Length values that differ.");
                    }

                    contentLength = length;
                    continue;
                }

                if (System.Text.Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
                {
                    transferEncoding = true;
                    Http1ResponseParser.CheckTransferEncoding(value, ref chunkedLast);
                }
                else if (System.Text.Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    if (Http1ResponseParser.ListContains(value, "close"u8))
                    {
                        close = true;
                    }
                }

                if (!unsafeValue)
                {
                    Http1ResponseParser.AddField(response, Http1ResponseParser.FieldName(name), Http1ResponseParser.FieldValue(value));
                }
            }

            Http1ResponseFraming framing;
            if (transferEncoding)
            {
                if (contentLength >= 0)
                {
                    throw new Http1ProtocolException("The backend sent both Transfer-Encoding and Content-Length (RFC 9112 §6.3: a possible smuggling attempt).");
                }

                if (minor == 0)
                {
                    throw new Http1ProtocolException("The backend sent Transfer-Encoding in an HTTP/1.0 response.");
                }

                if (!chunkedLast)
                {
                    throw new Http1ProtocolException("The backend's Transfer-Encoding does not end with chunked.");
                }
            }

            if (request.Method == HttpMethod.Head || status is 204 or 304)
            {
                framing = Http1ResponseFraming.None;
            }
            else if (transferEncoding)
            {
                framing = Http1ResponseFraming.Chunked;
            }
            else if (contentLength >= 0)
            {
                framing = contentLength == 0 ? Http1ResponseFraming.None : Http1ResponseFraming.ContentLength;
            }
            else
            {
                framing = Http1ResponseFraming.CloseDelimited;
                close = true;
            }

            if (contentLength >= 0)
            {
                content.Headers.ContentLength = contentLength;
            }

            if (close)
            {
                _keepAlive = false;
            }

            content.SetStream(new Http1ResponseStream(this, response, framing, contentLength));
            return true;
        }
        catch
        {
            response?.Dispose();
            throw;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void CheckFields(ReadOnlySpan<byte> span, int position)
    {
        while (Http1ResponseParser.TryReadLine(span, position, out var line, out position, "interim response") && !line.IsEmpty)
        {
            Http1ResponseParser.ParseField(line, out _, out _, out _, "interim response");
        }
    }

    /// <summary>Parses a trailer section into <paramref name="target"/>; false when it is not complete yet.</summary>
    public static bool TryParseFields(ReadOnlySequence<byte> buffer, HttpHeaders target, out SequencePosition consumed, string where)
    {
        consumed = buffer.Start;
        byte[]? rented = null;
        try
        {
            var span = Linearize(buffer, ref rented);
            int position = 0;
            while (true)
            {
                if (!Http1ResponseParser.TryReadLine(span, position, out var line, out int next, where))
                {
                    if (buffer.Length > Http1ResponseParser.MaxHeadSize)
                    {
                        throw new Http1ProtocolException($"The backend's {where} is larger than {Http1ResponseParser.MaxHeadSize} bytes.");
                    }

                    return false;
                }

                position = next;
                if (line.IsEmpty)
                {
                    break;
                }

                Http1ResponseParser.ParseField(line, out _, out _, out _, where);
            }

            // Complete and valid: now the fields are kept.
            position = 0;
            while (Http1ResponseParser.TryReadLine(span, position, out var line, out position, where) && !line.IsEmpty)
            {
                Http1ResponseParser.ParseField(line, out var name, out var value, out bool unsafeValue, where);
                if (!unsafeValue)
                {
                    target.TryAddWithoutValidation(Http1ResponseParser.FieldName(name), Http1ResponseParser.FieldValue(value));
                }
            }

            consumed = buffer.GetPosition(position);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryFindEnd(ReadOnlySpan<byte> span, string where, out int end)
    {
        int position = 0;
        while (Http1ResponseParser.TryReadLine(span, position, out var line, out position, where))
        {
            if (line.IsEmpty && position > 2)
            {
                end = position;
                return true;
            }

            if (line.IsEmpty)
            {
                throw new Http1ProtocolException($"The backend's {where} starts with an empty line.");
            }
        }

        end = 0;
        return false;
    }

    private static ReadOnlySpan<byte> Linearize(ReadOnlySequence<byte> buffer, ref byte[]? rented)
    {
        if (buffer.IsSingleSegment)
        {
            return buffer.FirstSpan;
        }

        int length = (int)Math.Min(buffer.Length, Http1ResponseParser.MaxHeadSize + 4);
        rented = ArrayPool<byte>.Shared.Rent(length);
        buffer.Slice(0, length).CopyTo(rented);
        return rented.AsSpan(0, length);
    }

    /// <summary>Closes the connection (idempotent): pending reads and writes fail.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _stream.Dispose();
        _socket.Dispose();
    }
}
