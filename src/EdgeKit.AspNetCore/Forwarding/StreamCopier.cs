using System.Buffers;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>How a body copy ended.</summary>
internal enum StreamCopyResult
{
    Success,
    InputError,
    OutputError,
    Canceled,
}

/// <summary>
/// Copies a body from one stream to another with a pooled buffer. Between bursts it waits with a zero-byte read and
/// gives the buffer back, so an idle stream (a slow upload, a server-sent event stream, a gRPC stream) holds no buffer.
/// </summary>
internal static class StreamCopier
{
    public const int BufferSize = 65536;

    /// <summary>Copies until <paramref name="source"/> ends.</summary>
    /// <param name="source">Where the bytes come from.</param>
    /// <param name="destination">Where they go; flushed after each write so streamed bodies are not held back.</param>
    /// <param name="activity">Pushed back on every read, so the route's timeout counts time without progress.</param>
    /// <param name="cancellationToken">Ends the copy.</param>
    /// <param name="sourceReady">The caller has just waited for data itself (a zero-byte read): skip the first wait.</param>
    /// <returns>How the copy ended, the exception that ended it, and how many bytes were copied.</returns>
    public static async ValueTask<(StreamCopyResult Result, Exception? Error, long Bytes)> CopyAsync(
        Stream source, Stream destination, ActivityTimeout? activity, CancellationToken cancellationToken, bool sourceReady = false)
    {
        byte[]? buffer = null;
        long total = 0;
        bool skipWait = sourceReady;
        try
        {
            while (true)
            {
                if (buffer is null && !skipWait)
                {
                    // Wait for data without holding a buffer.
                    try
                    {
                        await source.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        return (StreamCopyResult.InputError, ex, total);
                    }
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    return (StreamCopyResult.InputError, ex, total);
                }

                if (read == 0)
                {
                    return (StreamCopyResult.Success, null, total);
                }

                activity?.Touch();
                total += read;
                try
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    return (StreamCopyResult.OutputError, ex, total);
                }

                // A full buffer means more is likely waiting: read again at once, keeping the buffer.
                skipWait = read == buffer.Length;
                if (!skipWait)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (OperationCanceledException ex)
        {
            return (StreamCopyResult.Canceled, ex, total);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
