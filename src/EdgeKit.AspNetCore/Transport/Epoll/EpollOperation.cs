using System.Buffers;
using System.Net.Sockets;

namespace EdgeKit.AspNetCore.Transport.Epoll;

/// <summary>
/// One receive, send or connect on an <see cref="EpollSocket"/>: <see cref="SocketAsyncEventArgs"/>' contract without its
/// speculative system call. The results are in the operation; <c>*Async</c> returns true when the operation is pending
/// (then <see cref="OnCompleted"/> runs once it ends), false when it completed synchronously (then
/// <see cref="OnCompleted"/> is not called). Made once and reused for every operation of its kind on a socket: nothing is
/// allocated per operation.
/// </summary>
/// <remarks>
/// <see cref="OnCompleted"/> runs on the engine's loop thread when the operation was made with
/// <c>runContinuationsInline</c> (the point of the engine: no thread-pool hop; it must not block), else on the thread
/// pool. An operation aborted by <see cref="EpollSocket.Dispose"/> completes on the thread pool either way.
/// </remarks>
internal abstract class EpollOperation : IThreadPoolWorkItem
{
    private readonly bool _runContinuationsInline;
    private Memory<byte> _buffer;
    private ReadOnlySequence<byte> _sequence;

    /// <summary>Makes an operation whose completions run on the loop thread (<paramref name="runContinuationsInline"/>) or on the thread pool.</summary>
    protected EpollOperation(bool runContinuationsInline) => _runContinuationsInline = runContinuationsInline;

    /// <summary>The memory a receive fills, or a send sends (one segment); setting it clears <see cref="Sequence"/>.</summary>
    public Memory<byte> Buffer
    {
        get => _buffer;
        set
        {
            _buffer = value;
            _sequence = default;
        }
    }

    /// <summary>For a send only: several segments, sent with one <c>sendmsg</c> when they fit (16 at a time); setting it clears <see cref="Buffer"/>.</summary>
    public ReadOnlySequence<byte> Sequence
    {
        get => _sequence;
        set
        {
            _sequence = value;
            _buffer = default;
        }
    }

    /// <summary>A receive: the bytes received, 0 when the peer closed (or the buffer was empty); a send: all of them (or as many as went before an error).</summary>
    public int BytesTransferred { get; private set; }

    /// <summary>How the operation ended: <see cref="SocketError.Success"/>, or the error as .NET's sockets report it.</summary>
    public SocketError SocketError { get; private set; }

    /// <summary>What kind of operation runs now (set by the socket).</summary>
    internal EpollOperationKind Kind;

    /// <summary>A send: the bytes sent so far.</summary>
    internal long Sent;

    /// <summary>A connect: the native address (sockaddr_in6 at most) and its length.</summary>
    internal byte[]? Address;
    internal int AddressLength;

    /// <summary>A send's pinned segments (made on the first gathered send).</summary>
    internal MemoryHandle[]? Pins;

    /// <summary>Called once when a pending operation ends.</summary>
    protected abstract void OnCompleted();

    /// <summary>Readies the operation for a new run of <paramref name="kind"/>.</summary>
    internal void Start(EpollOperationKind kind)
    {
        Kind = kind;
        Sent = 0;
        BytesTransferred = 0;
        SocketError = SocketError.Success;
    }

    /// <summary>Sets the results.</summary>
    internal void SetResult(int bytesTransferred, SocketError error)
    {
        BytesTransferred = bytesTransferred;
        SocketError = error;
    }

    /// <summary>Runs <see cref="OnCompleted"/> for an operation that was pending: here (inline) or on the thread pool.</summary>
    internal void Complete()
    {
        if (_runContinuationsInline)
        {
            OnCompleted();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Runs <see cref="OnCompleted"/> on the thread pool (an abort, from whatever thread disposed the socket).</summary>
    internal void CompleteOnThreadPool() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => OnCompleted();
}

/// <summary>What an <see cref="EpollOperation"/> is doing.</summary>
internal enum EpollOperationKind
{
    /// <summary>Nothing yet.</summary>
    None,

    /// <summary>A receive.</summary>
    Receive,

    /// <summary>A send.</summary>
    Send,

    /// <summary>A connect.</summary>
    Connect,
}
