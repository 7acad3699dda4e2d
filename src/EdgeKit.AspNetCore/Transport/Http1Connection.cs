using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using EdgeKit.Client;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// One HTTP/1.1 connection to a destination: a socket (under TLS for https) read and written through
/// System.IO.Pipelines (<see cref="SocketPipeReader"/> and <see cref="SocketPipeWriter"/> on a cleartext socket, over .NET's
/// sockets or EdgeKit's epoll engine). Serves one request at a time; after each it goes back to its pool only when the exchange ended
/// cleanly (whole response read, whole request body sent, no <c>Connection: close</c>); any error closes it.
/// </summary>
internal sealed class Http1Connection : IValueTaskSource<HttpResponseMessage>
{
    private const int Idle = 0;
    private const int BodyPending = 1;
    private const int BodyStarted = 2;
    private const int BodySkipped = 3;

    private readonly Http1ConnectionPool _pool;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SocketIo? _io;
    private readonly Http1RequestBodyStream _body;
    private readonly Http1FieldCache _fields = new();
    private int _closed;
    private int _discarded;

    // The exchange in progress.
    private HttpRequestMessage? _request;
    private Http1BodyFraming _framing;
    private long _contentLength;
    private int _bodyState;
    private volatile Task? _bodySend;
    private CancellationToken _token;
    private bool _keepAlive;

    // The 100-continue wait: one timer per connection, made for its first request that asks for 100 Continue and re-armed
    // for each later one (no timer per request). A fire is acted on only when the wait armed last has lasted its whole
    // time (see OnExpectTimer), so a fire meant for an earlier exchange never starts a later exchange's body.
    private ITimer? _expectTimer;
    private long _expectArmedTimestamp;

    // While idle in the pool, a read is pending: the backend closing the connection (or sending anything unasked)
    // completes it, and the connection is then not used again.
    private ValueTask<ReadResult> _idleRead;
    private bool _hasIdleRead;

    // The exchange's own state between its steps (see SendAsync).
    private readonly Action _onFlushed;
    private readonly Action _onRead;
    private ManualResetValueTaskSourceCore<HttpResponseMessage> _exchange;
    private CancellationTokenRegistration _registration;
    private ValueTask _pendingFlush;
    private ValueTask<ReadResult> _pendingRead;
    private Http1Response? _spareForExchange;
    private Http1Response? _answered;
    private bool _lend;
    private bool _expectsContinue;
    private bool _received;

    // The last lent response whose user disposed it after its exchange ended cleanly, emptied for the next one.
    private Http1Response? _spare;

    /// <summary>A connection over <paramref name="stream"/>; a cleartext one (a <see cref="NetworkStream"/>) on <paramref name="epoll"/> when given.</summary>
    public Http1Connection(Http1ConnectionPool pool, Socket socket, Stream stream, long createdTimestamp, Epoll.EpollSocket? epoll = null)
    {
        _pool = pool;
        _socket = socket;
        _stream = stream;
        CreatedTimestamp = createdTimestamp;
        if (stream is NetworkStream)
        {
            // Cleartext: the pipes read and write the socket itself (no stream pipe, no execution context per receive).
            _io = epoll is null ? SocketIo.Saea(socket) : new Epoll.EpollSocketIo(epoll);
            Reader = new SocketPipeReader(_io);
            Writer = new SocketPipeWriter(_io);
        }
        else
        {
            // TLS: through the SslStream.
            Reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true));
            Writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
        }

        _body = new Http1RequestBodyStream(Writer);
        _onFlushed = OnFlushed;
        _onRead = OnReadCompleted;
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

    /// <summary>
    /// Sends <paramref name="request"/> and reads its response head. With <paramref name="lend"/>, the response is the
    /// connection's spare when it has one, and its disposal may give it back (see <see cref="Http1Response"/>).
    /// </summary>
    /// <remarks>
    /// No async method: the exchange's steps continue from the pipe's completions through delegates made once per
    /// connection, and the returned <see cref="ValueTask{TResult}"/> is backed by the connection itself (it serves one
    /// exchange at a time), so a send that waits for its response allocates nothing, however many run at once (a pooled
    /// async frame is not enough under concurrency: its caches hold one or two frames per thread and core).
    /// </remarks>
    public ValueTask<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri uri, bool lend, CancellationToken cancellationToken)
    {
        Requests++;
        _exchange.Reset();
        short version = _exchange.Version;
        _lend = lend;
        _spareForExchange = lend ? Interlocked.Exchange(ref _spare, null) : null;
        _request = request;
        _token = cancellationToken;
        _keepAlive = true;
        _bodySend = null;
        _bodyState = Idle;
        _received = false;
        _registration = cancellationToken.UnsafeRegister(static state => ((Http1Connection)state!).Close(), this);
        try
        {
            _framing = Http1RequestWriter.WriteHead(Writer, request, uri, _pool.HostField, out _contentLength);
            // RFC 9110 §10.1.1: with Expect: 100-continue the body waits for 100 Continue, or a short while for a server
            // that does not send it. A streamed body may start slowly: the backend gets the head at once (it may answer
            // without the body). A body in memory goes out with the head.
            _expectsContinue = _framing != Http1BodyFraming.None && ExpectsContinue(request);
            if (_expectsContinue)
            {
                // The wait is counted from before the head goes out: the backend may answer (or a clock move) before the
                // flush's completion arms the timer, and the wait must not start again from there.
                Volatile.Write(ref _expectArmedTimestamp, _pool.Time.GetTimestamp());
            }

            if (_framing == Http1BodyFraming.None || _expectsContinue || request.Content is not (ByteArrayContent or ReadOnlyMemoryContent))
            {
                var flush = FlushAsync(cancellationToken);
                if (!flush.IsCompleted)
                {
                    _pendingFlush = flush;
                    flush.GetAwaiter().UnsafeOnCompleted(_onFlushed);
                    return new ValueTask<HttpResponseMessage>(this, version);
                }

                flush.GetAwaiter().GetResult();
            }

            AfterHead();
        }
        catch (Exception ex)
        {
            Fail(ex);
            return new ValueTask<HttpResponseMessage>(this, version);
        }

        ReadHead();
        return new ValueTask<HttpResponseMessage>(this, version);
    }

    /// <summary>After the head (and its flush): the body starts, or waits for 100 Continue.</summary>
    private void AfterHead()
    {
        if (_framing == Http1BodyFraming.None)
        {
            return;
        }

        _bodyState = BodyPending;
        if (_expectsContinue)
        {
            _expectTimer ??= _pool.Time.CreateTimer(static state => ((Http1Connection)state!).OnExpectTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // What a fire does: arm the timer for what is left of the wait, or start the body if the head's flush took it all.
            OnExpectTimer();
        }
        else
        {
            StartBody();
        }
    }

    private void OnFlushed()
    {
        var flush = _pendingFlush;
        _pendingFlush = default;
        try
        {
            flush.GetAwaiter().GetResult();
            AfterHead();
        }
        catch (Exception ex)
        {
            Fail(ex);
            return;
        }

        ReadHead();
    }

    /// <summary>Reads until the response head is complete, or the exchange failed; returns at the first read that waits.</summary>
    private void ReadHead()
    {
        try
        {
            while (true)
            {
                ValueTask<ReadResult> read;
                if (_hasIdleRead)
                {
                    _hasIdleRead = false;
                    read = _idleRead;
                    _idleRead = default;
                }
                else
                {
                    read = Reader.ReadAsync(CancellationToken.None);
                }

                if (!read.IsCompleted)
                {
                    _pendingRead = read;
                    read.GetAwaiter().UnsafeOnCompleted(_onRead);
                    return;
                }

                // Nothing of this connection may be touched once the exchange is decided: its caller may already have
                // read the body and given the connection to another request.
                if (OnRead(read.GetAwaiter().GetResult()))
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void OnReadCompleted()
    {
        var read = _pendingRead;
        _pendingRead = default;
        try
        {
            if (OnRead(read.GetAwaiter().GetResult()))
            {
                return;
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
            return;
        }

        ReadHead();
    }

    /// <summary>Parses what was read; true when the exchange is decided (its response or its failure set).</summary>
    private bool OnRead(ReadResult result)
    {
        if (result.IsCanceled)
        {
            // The body's send failed (see SendBodyAsync): its error is the request's, once its task says so.
            if (_bodySend is { IsCompleted: false } send)
            {
                _ = send.ContinueWith(static (_, state) => ((Http1Connection)state!).Fail(new IOException("Reading the response was cancelled.")),
                    this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return true;
            }

            throw new IOException("Reading the response was cancelled.");
        }

        var buffer = result.Buffer;
        if (!buffer.IsEmpty)
        {
            _received = true;
        }

        if (Http1ResponseParser.TryReadHead(buffer, _request!, _spareForExchange, _fields, out var consumed, out var response, out int status, out var framing, out long length, out bool close))
        {
            Reader.AdvanceTo(consumed);
            if (close)
            {
                _keepAlive = false;
            }

            if (response is null)
            {
                // 1xx: 100 Continue releases a waiting body; other interim responses are not passed on.
                if (status == 100)
                {
                    StartBody();
                }

                return false;
            }

            if (status == 101)
            {
                Switched(response);
                return true;
            }

            _spareForExchange = null;
            var stream = response.Body.Stream;
            if (stream is null)
            {
                stream = new Http1ResponseStream(this);
                response.Body.SetStream(stream);
            }

            stream.Reset(response, framing, length);
            if (_lend)
            {
                response.LendFrom(this);
            }

            // From here the connection may go back to the pool (a response without a body, once the caller has it): the
            // request's token must no longer be able to close it.
            _registration.Dispose();
            _answered = Answered(response);
            _exchange.SetResult(response);
            return true;
        }

        if (buffer.Length > Http1ResponseParser.MaxHeadSize)
        {
            throw new Http1ProtocolException($"The backend's response head is larger than {Http1ResponseParser.MaxHeadSize} bytes.");
        }

        if (result.IsCompleted)
        {
            if (!_received)
            {
                // The single-delivery rule: the request may have been processed, so it is not resent here; the
                // resilience pipeline decides (RequestReplay: this is no connect failure).
                throw new HttpIOException(HttpRequestError.ResponseEnded, SocketsHttpHandlerExtensions.NotAnsweredMessage);
            }

            throw new HttpIOException(HttpRequestError.ResponseEnded, "The backend closed the connection in the middle of the response head.");
        }

        Reader.AdvanceTo(buffer.Start, buffer.End);
        return false;
    }

    /// <summary>
    /// The backend switched protocols for an upgrade request (a 101; the parser refused it to any other request): the
    /// connection leaves HTTP/1.1 for good. It never goes back to the pool, keeps its <c>MaxConnectionsPerServer</c> permit
    /// until the tunnel ends (<see cref="EndTunnel"/>), and is no longer the request's to close: the tunnel's lifetime is
    /// its user's (the forwarder's upgrade idle timeout), not the request's timeout.
    /// </summary>
    private void Switched(Http1Response response)
    {
        _registration.Dispose();
        _expectTimer?.Dispose();
        _expectTimer = null;
        _keepAlive = false;
        _request = null;
        _token = default;
        var tunnel = new Http1UpgradedStream(this, Reader, _stream);
        // A 101 has no content fields worth keeping (the parser refused its framing ones), but any it has go along.
        var content = new Http1UpgradedContent(tunnel);
        foreach (var field in response.Content.Headers.NonValidated)
        {
            content.Headers.TryAddWithoutValidation(field.Key, field.Value);
        }

        response.Content = content;
        _exchange.SetResult(response);
    }

    /// <summary>Ends an upgraded connection's tunnel (idempotent): closed, counted out, its permit given back.</summary>
    public void EndTunnel()
    {
        Close();
        _pool.Discard(this);
    }

    /// <summary>Ends the exchange with the error <paramref name="ex"/> stands for; the connection is closed and counted out.</summary>
    private void Fail(Exception ex)
    {
        var cancellationToken = _token;
        Close();
        _pool.Discard(this);
        _expectTimer?.Dispose();
        ObserveBody();
        _registration.Dispose();
        Exception error;
        if (cancellationToken.IsCancellationRequested)
        {
            error = new TaskCanceledException("The request to the backend was cancelled.", ex, cancellationToken);
        }
        else if (_bodySend is { IsFaulted: true } failed && failed.Exception!.InnerException is { } bodyError)
        {
            error = new HttpRequestException(HttpRequestError.Unknown, "Sending the request body failed.", bodyError);
        }
        else
        {
            error = ex switch
            {
                HttpRequestException => ex,
                HttpIOException io => new HttpRequestException(io.HttpRequestError, io.Message, io),
                _ => new HttpRequestException(HttpRequestError.Unknown, _received
                    ? "The connection to the backend failed while the response head was read."
                    : "The connection to the backend failed before any response byte arrived.", ex),
            };
        }

        _exchange.SetException(error);
    }

    HttpResponseMessage IValueTaskSource<HttpResponseMessage>.GetResult(short token)
    {
        var response = _exchange.GetResult(token);
        // A response without a body gives the connection back only now that its caller has it: until then the
        // connection's exchange (this source) is still in use.
        var answered = _answered;
        _answered = null;
        answered?.Body.Stream!.ReleaseIfEmpty();
        return response;
    }

    ValueTaskSourceStatus IValueTaskSource<HttpResponseMessage>.GetStatus(short token) => _exchange.GetStatus(token);

    void IValueTaskSource<HttpResponseMessage>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _exchange.OnCompleted(continuation, state, token, flags);

    private Http1Response Answered(Http1Response response)
    {
        ArmExpectTimer(Timeout.InfiniteTimeSpan);
        int state = Interlocked.CompareExchange(ref _bodyState, BodySkipped, BodyPending);
        if (state == BodyPending)
        {
            // A final answer before the body was asked for: the body is not sent, and the connection, whose framing the
            // backend may now read differently, is not reused.
            _keepAlive = false;
        }
        else if (state == BodyStarted && _bodySend is not { IsCompleted: true } && response.StatusCode >= System.Net.HttpStatusCode.MultipleChoices)
        {
            // An early error answer (413, 401, ...): the body goes on only until the connection closes.
            _keepAlive = false;
        }

        return response;
    }

    /// <summary>
    /// Keeps a lent response, emptied, for this connection's next exchange; false (the caller disposes it) when the
    /// connection is closed or already has a spare. Called from <see cref="Http1Response"/>'s disposal, after its exchange
    /// ended cleanly.
    /// </summary>
    public bool TryKeep(Http1Response response)
    {
        if (IsClosed)
        {
            return false;
        }

        response.Reset();
        return Interlocked.CompareExchange(ref _spare, response, null) is null;
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

    /// <summary>
    /// The connection's 100-continue timer fired (or the head's flush ended, see <see cref="AfterHead"/>): the body starts
    /// when the current exchange still waits for its 100 and has waited its whole time. Earlier than that (a fire meant
    /// for an earlier exchange, already on its way when the timer was re-armed, a coarse clock's, or the flush's end), the
    /// timer is armed for what is left.
    /// </summary>
    private void OnExpectTimer()
    {
        if (!_expectsContinue || Volatile.Read(ref _bodyState) != BodyPending || IsClosed)
        {
            return;
        }

        var left = _pool.ExpectContinueTimeout - _pool.Time.GetElapsedTime(Volatile.Read(ref _expectArmedTimestamp));
        if (left > TimeSpan.Zero)
        {
            ArmExpectTimer(left);
            return;
        }

        StartBodyAfterWait();
    }

    /// <summary>Arms the 100-continue timer for <paramref name="dueTime"/> (infinite: disarms it); a timer the connection's close disposed stays so.</summary>
    private void ArmExpectTimer(TimeSpan dueTime)
    {
        try
        {
            _expectTimer?.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection was closed meanwhile.
        }
    }

    /// <summary>
    /// The 100-continue wait ended without a 100: the body starts on the thread pool, its task published before it runs
    /// (the response may be read on another thread meanwhile).
    /// </summary>
    private void StartBodyAfterWait()
    {
        if (Interlocked.CompareExchange(ref _bodyState, BodyStarted, BodyPending) != BodyPending)
        {
            return;
        }

        var start = new Task<Task>(static state => ((Http1Connection)state!).SendBodyAsync(), this);
        _bodySend = start.Unwrap();
        start.Start(TaskScheduler.Default);
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
        int bodyState = Volatile.Read(ref _bodyState);
        if (reusable && _keepAlive && !IsClosed
            && (bodyState == Idle || (bodyState == BodyStarted && bodySend is { IsCompletedSuccessfully: true })))
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

        // The engine's registration first (a pending receive or send ends aborted), then the socket.
        _io?.Dispose();
        _stream.Dispose();
        _socket.Dispose();
        _expectTimer?.Dispose();
    }
}
