using System.Buffers;
using System.Buffers.Text;

namespace EdgeKit.AspNetCore.Protocols;

/// <summary>
/// A read-only stream that decodes a base64 body as it arrives (gRPC-Web text requests). Accepts padded fragments one
/// after another (<c>AAAAAAYKBHRlc3Q=gAAAAA...</c>), as gRPC-Web clients may send them. Invalid base64 fails the read
/// with <see cref="InvalidDataException"/>, which the forwarder answers with 400. Supports zero-byte reads: they wait
/// for data without holding a buffer.
/// </summary>
internal sealed class Base64DecodingStream : Stream
{
    private const int EncodedBufferSize = 16384;
    private readonly Stream _inner;
    private byte[]? _encoded;
    private int _encodedCount;
    private byte[]? _decoded;
    private int _decodedStart;
    private int _decodedEnd;

    public Base64DecodingStream(Stream inner) => _inner = inner;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_decodedEnd > _decodedStart)
            {
                int count = Math.Min(buffer.Length, _decodedEnd - _decodedStart);
                _decoded.AsSpan(_decodedStart, count).CopyTo(buffer.Span);
                _decodedStart += count;
                if (_decodedStart == _decodedEnd)
                {
                    ReturnDecoded();
                }

                return count;
            }

            if (buffer.IsEmpty)
            {
                if (_encodedCount == 0)
                {
                    ReturnEncoded();
                }

                await _inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                return 0;
            }

            _encoded ??= ArrayPool<byte>.Shared.Rent(EncodedBufferSize);
            int read = await _inner.ReadAsync(_encoded.AsMemory(_encodedCount), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_encodedCount != 0)
                {
                    throw new InvalidDataException("The gRPC-Web text request body ends inside a base64 group.");
                }

                ReturnEncoded();
                return 0;
            }

            _encodedCount += read;
            Decode();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Decodes every whole 4-character group buffered; keeps the rest (at most 3 characters) for the next read.</summary>
    private void Decode()
    {
        var encoded = _encoded!;
        int whole = _encodedCount / 4 * 4;
        if (whole == 0)
        {
            return;
        }

        _decoded = ArrayPool<byte>.Shared.Rent(whole / 4 * 3);
        _decodedStart = 0;
        _decodedEnd = 0;
        int position = 0;
        while (position < whole)
        {
            // A padded group ends a fragment: decode up to it as a final block, then go on with the next fragment.
            int padding = encoded.AsSpan(position, whole - position).IndexOf((byte)'=');
            int end = padding < 0 ? whole : position + ((padding / 4) + 1) * 4;
            var status = Base64.DecodeFromUtf8(encoded.AsSpan(position, end - position), _decoded.AsSpan(_decodedEnd), out int consumed, out int written);
            if (status != OperationStatus.Done || consumed != end - position)
            {
                throw new InvalidDataException("The gRPC-Web text request body is not valid base64.");
            }

            _decodedEnd += written;
            position = end;
        }

        encoded.AsSpan(whole, _encodedCount - whole).CopyTo(encoded);
        _encodedCount -= whole;
    }

    private void ReturnDecoded()
    {
        if (_decoded is not null)
        {
            ArrayPool<byte>.Shared.Return(_decoded);
            _decoded = null;
            _decodedStart = 0;
            _decodedEnd = 0;
        }
    }

    private void ReturnEncoded()
    {
        if (_encoded is not null)
        {
            ArrayPool<byte>.Shared.Return(_encoded);
            _encoded = null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        ReturnDecoded();
        ReturnEncoded();
        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
