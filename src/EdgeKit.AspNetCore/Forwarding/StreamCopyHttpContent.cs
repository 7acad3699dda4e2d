using System.Net;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// The outgoing request's body: streams the client's body to the backend as it arrives, without buffering.
/// Remembers whether a failure came from the client side (reading) or the backend side (writing), so the
/// forwarder can answer 400 for the former and 502 for the latter.
/// </summary>
internal sealed class StreamCopyHttpContent : HttpContent
{
    private readonly Stream _source;
    private readonly ActivityTimeout _activity;
    private int _started;

    public StreamCopyHttpContent(Stream source, ActivityTimeout activity)
    {
        _source = source;
        _activity = activity;
    }

    /// <summary>Whether the backend asked for the body (HttpClient started sending it).</summary>
    public bool Started => Volatile.Read(ref _started) == 1;

    /// <summary>How the copy ended; <see langword="null"/> until it has.</summary>
    public StreamCopyResult? Result { get; private set; }

    /// <summary>The exception that ended the copy, if any.</summary>
    public Exception? Error { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            // HttpClient never sends a body twice; EdgeKit does not retry a request whose body was sent.
            throw new InvalidOperationException("The request body was already sent and cannot be sent again.");
        }

        // The copy obeys the forwarder's token (client abort, timeout) as well as HttpClient's.
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _activity.Token)
            : null;
        var token = linked?.Token ?? _activity.Token;
        var (result, error, _) = await StreamCopier.CopyAsync(_source, stream, _activity, token).ConfigureAwait(false);
        Result = result;
        Error = error;
        switch (result)
        {
            case StreamCopyResult.Success:
                return;
            case StreamCopyResult.Canceled:
                throw new OperationCanceledException("Sending the request body was cancelled.", error, token);
            case StreamCopyResult.InputError:
                throw new IOException("Reading the client's request body failed.", error);
            default:
                throw new IOException("Sending the request body to the backend failed.", error);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
