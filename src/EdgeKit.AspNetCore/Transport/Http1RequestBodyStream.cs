using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// The stream an outgoing request's content is copied into: frames each write (<c>Content-Length</c>, checked, or
/// chunked) straight into the connection's pipe and flushes it. One per connection, reset for each request.
/// </summary>
internal sealed class Http1RequestBodyStream : Stream
{
    private readonly PipeWriter _writer;
    private Http1BodyFraming _framing;
    private long _remaining;

    public Http1RequestBodyStream(PipeWriter writer) => _writer = writer;

    public void Reset(Http1BodyFraming framing, long length)
    {
        _framing = framing;
        _remaining = length;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => throw new NotSupportedException("The request body is written asynchronously.");

    public override Task FlushAsync(CancellationToken cancellationToken) => FlushCoreAsync(cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is written asynchronously.");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return default;
        }

        if (_framing == Http1BodyFraming.Chunked)
        {
            var span = _writer.GetSpan(18);
            Utf8Formatter.TryFormat(buffer.Length, span, out int written, new StandardFormat('X'));
            span[written++] = (byte)'\r';
            span[written++] = (byte)'\n';
            _writer.Advance(written);
            _writer.Write(buffer.Span);
            _writer.Write("\r\n"u8);
        }
        else
        {
            if (buffer.Length > _remaining)
            {
                throw new IOException($"The request body is longer than the {_remaining} bytes left of its Content-Length.");
            }

            _remaining -= buffer.Length;
            _writer.Write(buffer.Span);
        }

        return FlushCoreAsync(cancellationToken);
    }

    /// <summary>Ends the body: checks that its length was reached, or writes the last chunk.</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_framing == Http1BodyFraming.Chunked)
        {
            _writer.Write("0\r\n\r\n"u8);
        }
        else if (_remaining != 0)
        {
            throw new IOException($"The request body ended {_remaining} bytes short of its Content-Length.");
        }

        return FlushCoreAsync(cancellationToken);
    }

    private ValueTask FlushCoreAsync(CancellationToken cancellationToken)
    {
        var flush = _writer.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            Check(flush.Result);
            return default;
        }

        return Await(flush);

        static async ValueTask Await(ValueTask<FlushResult> flush) => Check(await flush.ConfigureAwait(false));
    }

    private static void Check(FlushResult result)
    {
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new IOException("The connection to the backend was closed while the request body was sent.");
        }
    }
}
