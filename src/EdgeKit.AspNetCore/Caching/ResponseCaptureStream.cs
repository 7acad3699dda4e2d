namespace EdgeKit.AspNetCore.Caching;

/// <summary>What to do with the body an endpoint writes, decided when it starts writing (its status and headers are set by then).</summary>
internal enum CaptureMode
{
    Undecided,

    /// <summary>Send it to the client.</summary>
    PassThrough,

    /// <summary>Send it to the client and keep a copy to store, up to the entry bound.</summary>
    PassThroughAndBuffer,

    /// <summary>Swallow it: the cache answers instead (a 304 to its own conditional request, or an error it replaces with a stale response).</summary>
    Discard,
}

/// <summary>
/// Replaces <c>HttpResponse.Body</c> while an endpoint answers a cacheable request. Nothing reaches the client's stream
/// (so the response has not started) until the first write or flush asks the middleware what to do.
/// </summary>
internal sealed class ResponseCaptureStream(Stream inner, Func<CaptureMode> decide, long maximum) : Stream
{
    private MemoryStream? _buffer;

    public CaptureMode Mode { get; private set; }

    /// <summary>True when the body outgrew the bound, so it is not stored.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>The copy of the body, when buffered and within the bound.</summary>
    public byte[]? Body => Mode == CaptureMode.PassThroughAndBuffer && !Overflowed ? (_buffer?.ToArray() ?? []) : null;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Makes the decision now if no write made it (an empty body).</summary>
    public CaptureMode Decide()
    {
        if (Mode == CaptureMode.Undecided)
        {
            Mode = decide();
        }

        return Mode;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Decide() == CaptureMode.Discard)
        {
            return;
        }

        Keep(buffer);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Decide() == CaptureMode.Discard)
        {
            return ValueTask.CompletedTask;
        }

        Keep(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush()
    {
        if (Decide() != CaptureMode.Discard)
        {
            inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        Decide() == CaptureMode.Discard ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (Mode != CaptureMode.PassThroughAndBuffer || Overflowed)
        {
            return;
        }

        _buffer ??= new MemoryStream();
        if (_buffer.Length + data.Length > maximum)
        {
            Overflowed = true;
            _buffer = null;
            return;
        }

        _buffer.Write(data);
    }
}
