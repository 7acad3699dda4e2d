using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// A <see cref="PipeWriter"/> that sends straight to a connected socket (a cleartext backend connection) from one
/// contiguous buffer of its own: what is written goes into the buffer, and <see cref="FlushAsync"/> sends all of it
/// (looping over partial sends), completing synchronously when the socket takes it at once, as it usually does.
/// </summary>
/// <remarks>
/// <para>
/// The buffer (4 KiB to begin with) grows, doubling, only when the bytes written since the last flush need more; it is
/// kept for the connection's later requests. The connection's <see cref="SocketIo"/> sends (.NET's
/// <see cref="SocketAsyncEventArgs"/>, made once per connection, or EdgeKit's epoll engine), with no execution context flowing; a flush that waits is a <see cref="ValueTask{TResult}"/> backed by the writer itself.
/// </para>
/// <para>
/// A flush cancelled (by its token, or <see cref="CancelPendingFlush"/>) while its bytes are being sent completes at once
/// (<see cref="OperationCanceledException"/>, or <see cref="FlushResult.IsCanceled"/>); the send goes on, and the writer
/// refuses to be used (<see cref="InvalidOperationException"/>) until it has ended. A failed send surfaces as
/// <see cref="NetworkStream"/> reports it (an <see cref="IOException"/>, "Unable to write data to the transport
/// connection: …", around the <see cref="SocketException"/>), and every later flush throws the same error. The socket is
/// the caller's: <see cref="Complete"/> neither sends what was not flushed nor closes it.
/// </para>
/// </remarks>
internal sealed class SocketPipeWriter : PipeWriter, IValueTaskSource<FlushResult>
{
    /// <summary>The buffer's size to begin with.</summary>
    internal const int InitialBufferSize = 4096;

    private readonly SocketIo _io;
    private byte[] _buffer;

    // _written bytes are in the buffer; a flush sends them, _sent of them so far.
    private int _written;
    private int _sent;
    private Exception? _error;
    private bool _completed;

    // Sending | Waiting, changed only atomically: the send's end clears both at once, and completes the flush only if
    // Waiting was still set (a cancellation may have taken it).
    private const int Sending = 1;
    private const int Waiting = 2;
    private int _state;
    private int _cancelNext;
    private ManualResetValueTaskSourceCore<FlushResult> _flush;
    private CancellationTokenRegistration _registration;

    /// <summary>A writer on .NET's sockets.</summary>
    public SocketPipeWriter(Socket socket)
        : this(SocketIo.Saea(socket))
    {
    }

    /// <summary>A writer on <paramref name="io"/> (which it gives its send completions to).</summary>
    public SocketPipeWriter(SocketIo io)
    {
        _io = io;
        io.Writer = this;
        _buffer = new byte[InitialBufferSize];
    }

    /// <summary>The buffer's size now (for tests).</summary>
    internal int BufferSize => _buffer.Length;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override void Advance(int bytes)
    {
        ThrowIfUnusable();
        if ((uint)bytes > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Advanced past the end of the memory the writer gave.");
        }

        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        if (_error is not null)
        {
            return ValueTask.FromException<FlushResult>(_error);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }

        if (Interlocked.Exchange(ref _cancelNext, 0) != 0)
        {
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
        }

        if (_written == 0)
        {
            return default;
        }

        _sent = 0;
        _flush.Reset();
        // Before the send starts: it may complete at once on another thread.
        Volatile.Write(ref _state, Sending | Waiting);
        if (SendRest())
        {
            if (cancellationToken.CanBeCanceled)
            {
                // Disposed by GetResult: a registration never outlives its flush.
                _registration = cancellationToken.UnsafeRegister(static (state, token) => ((SocketPipeWriter)state!).CancelFlush(token), this);
            }

            return new ValueTask<FlushResult>(this, _flush.Version);
        }

        if ((Interlocked.Exchange(ref _state, 0) & Waiting) == 0)
        {
            // CancelPendingFlush completed this flush meanwhile.
            return new ValueTask<FlushResult>(this, _flush.Version);
        }

        return _error is null ? default : ValueTask.FromException<FlushResult>(_error);
    }

    public override void CancelPendingFlush()
    {
        if (TryTakeWaiting())
        {
            _flush.SetResult(new FlushResult(isCanceled: true, isCompleted: false));
        }
        else
        {
            Volatile.Write(ref _cancelNext, 1);
        }
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    private void CancelFlush(CancellationToken token)
    {
        if (TryTakeWaiting())
        {
            _flush.SetException(new OperationCanceledException(token));
        }
    }

    /// <summary>Clears Waiting if it is set (a send in flight goes on); true when this call cleared it, and so completes the flush.</summary>
    private bool TryTakeWaiting() => AtomicFlags.TryClear(ref _state, Waiting);

    /// <summary>Sends what is left of the flush's bytes; true when a send is pending (its completion goes on from there).</summary>
    private bool SendRest()
    {
        while (true)
        {
            try
            {
                if (_io.SendAsync(_buffer.AsMemory(_sent, _written - _sent)))
                {
                    return true;
                }
            }
            catch (Exception ex)
            {
                // A closed socket (ObjectDisposedException): as NetworkStream, thrown to the flush.
                Ended(ex);
                return false;
            }

            if (_io.SendError != SocketError.Success)
            {
                Ended(WriteError(_io.SendError));
                return false;
            }

            _sent += _io.BytesSent;
            if (_sent >= _written)
            {
                Ended(null);
                return false;
            }
        }
    }

    /// <summary>The flush's bytes are all sent, or the send failed: the buffer is free again (once Sending is cleared).</summary>
    private void Ended(Exception? error)
    {
        _error ??= error;
        _written = 0;
        _sent = 0;
    }

    /// <summary>A pending send ended (called by the <see cref="SocketIo"/>).</summary>
    internal void OnSendCompleted()
    {
        var io = _io;
        if (io.SendError != SocketError.Success)
        {
            Ended(WriteError(io.SendError));
        }
        else
        {
            _sent += io.BytesSent;
            if (_sent < _written)
            {
                if (SendRest())
                {
                    return;
                }
            }
            else
            {
                Ended(null);
            }
        }

        // Sending and Waiting cleared in one step: from here the writer may be used again, and only a flush that was still
        // waiting is completed here.
        if ((Interlocked.Exchange(ref _state, 0) & Waiting) != 0)
        {
            // Nothing of this writer is touched after this but the flush: its continuation runs here.
            if (_error is { } error)
            {
                _flush.SetException(error);
            }
            else
            {
                _flush.SetResult(default);
            }
        }
    }

    /// <summary>What <see cref="NetworkStream"/> throws for a failed send.</summary>
    internal static IOException WriteError(SocketError error)
    {
        var inner = new SocketException((int)error);
        return new IOException($"Unable to write data to the transport connection: {inner.Message}.", inner);
    }

    private void Reserve(int sizeHint)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written < needed)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, _written + needed)];
            Buffer.BlockCopy(_buffer, 0, grown, 0, _written);
            _buffer = grown;
        }
    }

    private void ThrowIfUnusable()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }

        if ((Volatile.Read(ref _state) & Sending) != 0)
        {
            throw new InvalidOperationException("A flush is still sending on this connection (a cancelled flush's send goes on until it ends).");
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token)
    {
        try
        {
            return _flush.GetResult(token);
        }
        finally
        {
            _registration.Dispose();
            _registration = default;
        }
    }

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);
}
