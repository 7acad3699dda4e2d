using System.Buffers;
using System.Buffers.Text;

namespace EdgeKit.AspNetCore.Protocols;

/// <summary>
/// A write-only stream that base64-encodes what is written to it (gRPC-Web text responses). Whole 3-byte groups are
/// encoded as they arrive; the last one or two bytes wait for more, and a flush sends them padded, so every flush
/// delivers everything written so far (the gRPC-Web text format allows padded fragments one after another).
/// Whether to encode at all is asked once, at the first write or flush: a body that is not gRPC (the gateway's own
/// problem details, a backend's error page) passes through as it is.
/// </summary>
internal sealed class Base64EncodingStream : Stream
{
    private readonly Stream _inner;
    private readonly Func<bool> _shouldEncode;
    private readonly byte[] _pending = new byte[2];
    private int _pendingCount;
    private bool? _encode;

    public Base64EncodingStream(Stream inner, Func<bool> shouldEncode)
    {
        _inner = inner;
        _shouldEncode = shouldEncode;
    }

    private bool Encode => _encode ??= _shouldEncode();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Encode)
        {
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        int total = _pendingCount + buffer.Length;
        if (total < 3)
        {
            buffer.Span.CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount = total;
            return;
        }

        int whole = total / 3 * 3;
        byte[] input = ArrayPool<byte>.Shared.Rent(whole);
        byte[] output = ArrayPool<byte>.Shared.Rent(Base64.GetMaxEncodedToUtf8Length(whole));
        try
        {
            _pending.AsSpan(0, _pendingCount).CopyTo(input);
            int fromBuffer = whole - _pendingCount;
            buffer.Span[..fromBuffer].CopyTo(input.AsSpan(_pendingCount));
            buffer.Span[fromBuffer..].CopyTo(_pending);
            _pendingCount = buffer.Length - fromBuffer;
            Base64.EncodeToUtf8(input.AsSpan(0, whole), output, out _, out int written);
            await _inner.WriteAsync(output.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (Encode && _pendingCount > 0)
        {
            var padded = new byte[4];
            Base64.EncodeToUtf8(_pending.AsSpan(0, _pendingCount), padded, out _, out int written);
            _pendingCount = 0;
            await _inner.WriteAsync(padded.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
