using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>
/// One reusable receive or send of an <see cref="EpollSocket"/> as a <see cref="ValueTask{TResult}"/>: no allocation per
/// operation (the operation is its own <see cref="IValueTaskSource{TResult}"/>), one operation at a time. An operation
/// the engine completes at once returns a completed task without touching the source; a pending one completes it from
/// <see cref="OnCompleted"/> (on the loop thread, or the thread pool, as the constructor says).
/// </summary>
internal sealed class EpollSocketAwaitable : EpollOperation, IValueTaskSource<int>
{
    // Continuations run where OnCompleted runs (the engine already chose the thread): no second hop.
    private ManualResetValueTaskSourceCore<int> _source;

    public EpollSocketAwaitable(bool runContinuationsInline)
        : base(runContinuationsInline)
    {
    }

    /// <summary>Receives into <paramref name="buffer"/>: the byte count, 0 when the peer has closed its side.</summary>
    /// <exception cref="SocketException">The receive failed (a reset: <see cref="SocketError.ConnectionReset"/>; the socket disposed: <see cref="SocketError.OperationAborted"/>).</exception>
    public ValueTask<int> ReceiveAsync(EpollSocket socket, Memory<byte> buffer)
    {
        _source.Reset();
        Buffer = buffer;
        return socket.ReceiveAsync(this) ? new ValueTask<int>(this, _source.Version) : Completed();
    }

    /// <summary>Sends all of <paramref name="buffers"/> (several segments go out in one gathered send when they fit).</summary>
    /// <exception cref="SocketException">The send failed.</exception>
    public ValueTask<int> SendAsync(EpollSocket socket, in ReadOnlySequence<byte> buffers)
    {
        _source.Reset();
        // Each property clears the other.
        if (buffers.IsSingleSegment)
        {
            Buffer = MemoryMarshal.AsMemory(buffers.First);
        }
        else
        {
            Sequence = buffers;
        }

        return socket.SendAsync(this) ? new ValueTask<int>(this, _source.Version) : Completed();
    }

    private ValueTask<int> Completed() =>
        SocketError == SocketError.Success
            ? new ValueTask<int>(BytesTransferred)
            : ValueTask.FromException<int>(new SocketException((int)SocketError));

    /// <inheritdoc />
    protected override void OnCompleted()
    {
        if (SocketError == SocketError.Success)
        {
            _source.SetResult(BytesTransferred);
        }
        else
        {
            _source.SetException(new SocketException((int)SocketError));
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
