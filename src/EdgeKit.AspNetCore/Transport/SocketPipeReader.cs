using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// A <see cref="PipeReader"/> that receives straight from a connected socket (a cleartext backend connection) into one
/// contiguous buffer of its own: no <see cref="NetworkStream"/>, no stream pipe, no execution context flowing with the
/// receive, and a <see cref="ReadAsync"/> that completes synchronously whenever bytes not yet examined are buffered.
/// </summary>
/// <remarks>
/// <para>
/// One receive at a time, through the connection's <see cref="SocketIo"/> (.NET's <see cref="SocketAsyncEventArgs"/>, or
/// EdgeKit's epoll engine), into the buffer's free
/// tail (8 KiB to begin with; compacted before a receive when the consumed head leaves too little room, doubled only when
/// the unconsumed bytes themselves need more, as a large response head does). The read in progress is a
/// <see cref="ValueTask{TResult}"/> backed by the reader itself: a read that waits allocates nothing.
/// </para>
/// <para>
/// The <see cref="PipeReader"/> contract: <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> frees what was
/// consumed, and a read after everything was examined waits for new bytes; <see cref="CancelPendingRead"/> completes the
/// pending read (or the next one) with <see cref="ReadResult.IsCanceled"/>; the read's token throws
/// <see cref="OperationCanceledException"/>; the peer's close is <see cref="ReadResult.IsCompleted"/>. A cancelled read
/// leaves its receive running: the next read waits for it rather than starting another. A socket error surfaces as
/// <see cref="NetworkStream"/> reports it, an <see cref="IOException"/> ("Unable to read data from the transport
/// connection: …") around the <see cref="SocketException"/>, so the transport's errors read the same as over a stream.
/// </para>
/// <para>
/// Threads: the consumer's calls (read, advance, complete) come one at a time, as for any pipe reader; the receive's
/// completion, <see cref="CancelPendingRead"/> and the token may run on other threads. Whichever of them clears the
/// waiting flag first (one interlocked operation on a state that also says whether a receive is in flight) completes the
/// read; nothing is locked. The socket is the caller's:
/// <see cref="Complete"/> does not close it.
/// </para>
/// </remarks>
internal sealed class SocketPipeReader : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>The buffer's size to begin with.</summary>
    internal const int InitialBufferSize = 8192;

    /// <summary>The least free room a receive is given: below it the buffer is compacted, or grown.</summary>
    internal const int MinimumReceiveSize = 2048;

    private readonly SocketIo _io;
    private byte[] _buffer;

    // Indexes into _buffer: consumed up to _start, examined up to _examined, received up to _end. The consumer owns
    // _start and _examined; _end is moved by a receive's completion, published by its clearing Receiving.
    private int _start;
    private int _examined;
    private int _end;
    private bool _eof;
    private Exception? _error;
    private bool _completed;

    // Receiving | Waiting, changed only atomically: a receive's completion clears both at once, and completes the read
    // only if Waiting was still set (a cancellation may have taken it).
    private const int Receiving = 1;
    private const int Waiting = 2;
    private int _state;
    private int _cancelNext;
    private ManualResetValueTaskSourceCore<ReadResult> _read;
    private CancellationTokenRegistration _registration;

    /// <summary>A reader on .NET's sockets.</summary>
    public SocketPipeReader(Socket socket)
        : this(SocketIo.Saea(socket))
    {
    }

    /// <summary>A reader on <paramref name="io"/> (which it gives its receive completions to).</summary>
    public SocketPipeReader(SocketIo io)
    {
        _io = io;
        io.Reader = this;
        _buffer = new byte[InitialBufferSize];
    }

    /// <summary>The buffer's size now (for tests).</summary>
    internal int BufferSize => _buffer.Length;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if ((Volatile.Read(ref _state) & Waiting) != 0)
        {
            throw new InvalidOperationException("A read is already pending on this connection.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        if (Interlocked.Exchange(ref _cancelNext, 0) != 0)
        {
            return new ValueTask<ReadResult>(new ReadResult(Buffered(), isCanceled: true, isCompleted: false));
        }

        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state == 0)
            {
                if (TryTakeResult(out var ready, out var error))
                {
                    return error is null ? new ValueTask<ReadResult>(ready) : ValueTask.FromException<ReadResult>(error);
                }

                PrepareReceive();
                _read.Reset();
                // Both flags before the receive starts: it may complete at once on another thread.
                Volatile.Write(ref _state, Receiving | Waiting);
                bool pending;
                try
                {
                    pending = _io.ReceiveAsync(_buffer.AsMemory(_end));
                }
                catch (Exception ex)
                {
                    // A closed socket (ObjectDisposedException): as NetworkStream, thrown to this read.
                    Volatile.Write(ref _state, 0);
                    return ValueTask.FromException<ReadResult>(ex);
                }

                if (pending)
                {
                    break;
                }

                Received();
                if ((Interlocked.Exchange(ref _state, 0) & Waiting) != 0)
                {
                    continue;
                }

                // CancelPendingRead completed this read meanwhile.
                return new ValueTask<ReadResult>(this, _read.Version);
            }

            // The receive of an earlier, cancelled read is still running: this read waits for it, unless it has just
            // ended (then the loop takes what it brought).
            _read.Reset();
            if (Interlocked.CompareExchange(ref _state, Receiving | Waiting, Receiving) == Receiving)
            {
                break;
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Disposed by GetResult: a registration never outlives its read.
            _registration = cancellationToken.UnsafeRegister(static (state, token) => ((SocketPipeReader)state!).CancelRead(token), this);
        }

        return new ValueTask<ReadResult>(this, _read.Version);
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        if (Interlocked.Exchange(ref _cancelNext, 0) != 0)
        {
            result = new ReadResult(Buffered(), isCanceled: true, isCompleted: false);
            return true;
        }

        if (Volatile.Read(ref _state) == 0 && TryTakeResult(out result, out var error))
        {
            if (error is not null)
            {
                throw error;
            }

            return true;
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        int end = Volatile.Read(ref _end);
        int consumedIndex = IndexOf(consumed);
        int examinedIndex = IndexOf(examined);
        if (consumedIndex < _start || consumedIndex > end)
        {
            throw new ArgumentOutOfRangeException(nameof(consumed), "The consumed position is outside the buffer the last read returned.");
        }

        if (examinedIndex < consumedIndex || examinedIndex > end)
        {
            throw new ArgumentOutOfRangeException(nameof(examined), "The examined position must lie between the consumed position and the end of the buffer.");
        }

        _start = consumedIndex;
        _examined = examinedIndex;
        if (consumedIndex == end && Volatile.Read(ref _state) == 0)
        {
            // Everything consumed and no receive writing into the buffer: the next receive starts at its beginning.
            _start = 0;
            _examined = 0;
            _end = 0;
        }
    }

    public override void CancelPendingRead()
    {
        if (TryTakeWaiting())
        {
            // A waiting read has examined everything before _examined and nothing after it.
            _read.SetResult(new ReadResult(new ReadOnlySequence<byte>(_buffer, _start, _examined - _start), isCanceled: true, isCompleted: false));
        }
        else
        {
            Volatile.Write(ref _cancelNext, 1);
        }
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    private void CancelRead(CancellationToken token)
    {
        if (TryTakeWaiting())
        {
            _read.SetException(new OperationCanceledException(token));
        }
    }

    /// <summary>Clears Waiting if it is set (a receive in flight goes on); true when this call cleared it, and so completes the read.</summary>
    private bool TryTakeWaiting() => AtomicFlags.TryClear(ref _state, Waiting);

    /// <summary>The result a read can return without receiving: bytes not yet examined, the peer's close, or the error that ended the receiving.</summary>
    private bool TryTakeResult(out ReadResult result, out Exception? error)
    {
        error = null;
        if (_end > _examined || _eof)
        {
            result = new ReadResult(Buffered(), isCanceled: false, isCompleted: _eof);
            return true;
        }

        result = default;
        if (_error is not null)
        {
            error = _error;
            return true;
        }

        return false;
    }

    private ReadOnlySequence<byte> Buffered() => new(_buffer, _start, Volatile.Read(ref _end) - _start);

    /// <summary>Gives the next receive the buffer's free tail, compacting or growing the buffer first if it is too short.</summary>
    private void PrepareReceive()
    {
        if (_buffer.Length - _end < MinimumReceiveSize)
        {
            int unconsumed = _end - _start;
            if (_buffer.Length - unconsumed >= MinimumReceiveSize)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, unconsumed);
            }
            else
            {
                var grown = new byte[Math.Max(_buffer.Length * 2, unconsumed + MinimumReceiveSize)];
                Buffer.BlockCopy(_buffer, _start, grown, 0, unconsumed);
                _buffer = grown;
            }

            _examined -= _start;
            _end = unconsumed;
            _start = 0;
        }
    }

    /// <summary>Takes in what a receive brought: bytes, the peer's close, or an error (published by the clearing of Receiving that follows).</summary>
    private void Received()
    {
        var io = _io;
        if (io.ReceiveError != SocketError.Success)
        {
            _error = ReadError(io.ReceiveError);
        }
        else if (io.BytesReceived == 0)
        {
            _eof = true;
        }
        else
        {
            _end += io.BytesReceived;
        }
    }

    /// <summary>A pending receive ended (called by the <see cref="SocketIo"/>).</summary>
    internal void OnReceiveCompleted()
    {
        Received();
        // Receiving and Waiting cleared in one step: from here the consumer may start the next receive, and only a read
        // that was still waiting is completed here.
        if ((Interlocked.Exchange(ref _state, 0) & Waiting) != 0)
        {
            // Nothing of this reader is touched after this: the read's continuation runs here and may start the next one.
            TryTakeResult(out var result, out var error);
            if (error is null)
            {
                _read.SetResult(result);
            }
            else
            {
                _read.SetException(error);
            }
        }
    }

    /// <summary>What <see cref="NetworkStream"/> throws for a failed receive.</summary>
    internal static IOException ReadError(SocketError error)
    {
        var inner = new SocketException((int)error);
        return new IOException($"Unable to read data from the transport connection: {inner.Message}.", inner);
    }

    private int IndexOf(SequencePosition position)
    {
        if (!ReferenceEquals(position.GetObject(), _buffer))
        {
            throw new InvalidOperationException("The position does not come from the buffer the last read returned.");
        }

        return position.GetInteger();
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token)
    {
        try
        {
            return _read.GetResult(token);
        }
        finally
        {
            _registration.Dispose();
            _registration = default;
        }
    }

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);
}
