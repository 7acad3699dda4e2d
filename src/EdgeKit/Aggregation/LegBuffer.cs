using System.Buffers;

namespace EdgeKit.Aggregation;

/// <summary>
/// A response body read into a pooled array, never beyond a bound: reading stops, and the leg fails, as soon as one
/// byte more than the bound arrives, so an oversized or endless body cannot exhaust memory.
/// </summary>
internal sealed class LegBuffer : IDisposable
{
    private const int InitialSize = 16 * 1024;
    private byte[] _array = [];

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    /// <summary>
    /// Reads <paramref name="stream"/> to its end. <paramref name="onRead"/> is told of every chunk (for the aggregate's
    /// total) and may throw to stop.
    /// </summary>
    public async Task ReadAsync(Stream stream, int maxBytes, long? contentLength, string leg, Action<int> onRead, CancellationToken cancellationToken)
    {
        int limit = maxBytes + 1; // one more than allowed, to tell "exactly the bound" from "over it"
        _array = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, Math.Max(contentLength ?? InitialSize, 256)));
        while (true)
        {
            if (Length == _array.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_array.Length * 2, limit));
                _array.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = larger;
            }

            int read = await stream.ReadAsync(_array.AsMemory(Length, Math.Min(_array.Length, limit) - Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            Length += read;
            onRead(read);
            if (Length > maxBytes)
            {
                throw new AggregateLegException(AggregateLegOutcome.TooLarge, $"the response of leg '{leg}' is larger than its bound of {maxBytes} bytes");
            }
        }
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        Length = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
