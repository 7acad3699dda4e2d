using System.Net;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// The outgoing request's body: streams the client's body to the backend as it arrives, without buffering.
/// Remembers whether a failure came from the client side (reading) or the backend side (writing), so the
/// forwarder can answer 400 for the former and 502 for the latter.
/// </summary>
/// <remarks>
/// The forwarder keeps a content whose copy succeeded for its next request with a body (<see cref="TryClear"/>, then
/// <see cref="Reuse"/>): its header store stays. Never after a failed, cancelled or unstarted copy, nor once anything
/// read it other than a transport (buffered, or read as a stream by a transform): those keep state a reuse would send.
/// </remarks>
internal sealed class StreamCopyHttpContent : HttpContent
{
    private const int NoResult = -1;

    private Stream _source;
    private ActivityTimeout _activity;
    private int _started;
    private int _result = NoResult;
    private bool _readOtherwise;

    public StreamCopyHttpContent(Stream source, ActivityTimeout activity)
    {
        _source = source;
        _activity = activity;
    }

    /// <summary>Whether the backend asked for the body (HttpClient started sending it).</summary>
    public bool Started => Volatile.Read(ref _started) == 1;

    /// <summary>How the copy ended; <see langword="null"/> until it has.</summary>
    public StreamCopyResult? Result => Volatile.Read(ref _result) is var result and >= 0 ? (StreamCopyResult)result : null;

    /// <summary>The exception that ended the copy, if any.</summary>
    public Exception? Error { get; private set; }

    /// <summary>
    /// Empties a content whose copy succeeded for another request's body (its header store kept); false, and the content
    /// is to be disposed, when it may still be in use or holds state of its request (see the remarks).
    /// </summary>
    public bool TryClear()
    {
        if (Result != StreamCopyResult.Success || _readOtherwise)
        {
            return false;
        }

        Headers.Clear();
        _source = Stream.Null;
        _activity = null!;
        Error = null;
        _result = NoResult;
        Volatile.Write(ref _started, 0);
        return true;
    }

    /// <summary>Makes an emptied content (<see cref="TryClear"/>) the body of a new request.</summary>
    public StreamCopyHttpContent Reuse(Stream source, ActivityTimeout activity)
    {
        _source = source;
        _activity = activity;
        return this;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    // Not async: a copy that completes at once (a small body already received) costs no Task and no frame.
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            // HttpClient never sends a body twice; EdgeKit does not retry a request whose body was sent.
            return Task.FromException(new InvalidOperationException("The request body was already sent and cannot be sent again."));
        }

        if (stream is MemoryStream)
        {
            // Buffered (LoadIntoBufferAsync): the content keeps the bytes and would send them again.
            _readOtherwise = true;
        }

        // The copy obeys the forwarder's token (client abort, timeout) as well as the transport's; when the transport's
        // is the forwarder's own (the usual case), no linked source is needed.
        var activityToken = _activity.Token;
        if (!cancellationToken.CanBeCanceled || cancellationToken == activityToken)
        {
            var copy = StreamCopier.CopyAsync(_source, stream, _activity, activityToken);
            return copy.IsCompleted ? Complete(copy.Result, activityToken) : AwaitAsync(copy, activityToken, null);
        }

        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, activityToken);
        return AwaitAsync(StreamCopier.CopyAsync(_source, stream, _activity, linked.Token), linked.Token, linked);
    }

    private async Task AwaitAsync(ValueTask<(StreamCopyResult, Exception?, long)> copy, CancellationToken token, CancellationTokenSource? linked)
    {
        using (linked)
        {
            await Complete(await copy.ConfigureAwait(false), token).ConfigureAwait(false);
        }
    }

    private Task Complete((StreamCopyResult Result, Exception? Error, long) copy, CancellationToken token)
    {
        // The error first: the forwarder reads Result to decide, then Error.
        Error = copy.Error;
        Volatile.Write(ref _result, (int)copy.Result);
        return copy.Result switch
        {
            StreamCopyResult.Success => Task.CompletedTask,
            StreamCopyResult.Canceled => Task.FromException(new OperationCanceledException("Sending the request body was cancelled.", copy.Error, token)),
            StreamCopyResult.InputError => Task.FromException(new IOException("Reading the client's request body failed.", copy.Error)),
            _ => Task.FromException(new IOException("Sending the request body to the backend failed.", copy.Error)),
        };
    }

    protected override Task<Stream> CreateContentReadStreamAsync()
    {
        _readOtherwise = true;
        return base.CreateContentReadStreamAsync();
    }

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        _readOtherwise = true;
        return base.CreateContentReadStreamAsync(cancellationToken);
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken)
    {
        _readOtherwise = true;
        return base.CreateContentReadStream(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
