using System.Net.Sockets;

namespace EdgeKit.AspNetCore.Transport.Epoll;

/// <summary>
/// <see cref="SocketPipeReader"/>'s and <see cref="SocketPipeWriter"/>'s socket calls on EdgeKit's epoll engine: a
/// receive that has to wait costs no system call, and completions run on the engine's loop thread (no thread-pool hop)
/// unless made otherwise. Disposing it deregisters the socket, ending a pending receive or send with
/// <see cref="SocketError.OperationAborted"/>.
/// </summary>
internal sealed class EpollSocketIo : SocketIo
{
    private readonly EpollSocket _socket;
    private readonly Operation _receive;
    private readonly Operation _send;

    public EpollSocketIo(EpollSocket socket, bool runContinuationsInline = true)
    {
        _socket = socket;
        _receive = new Operation(this, receive: true, runContinuationsInline);
        _send = new Operation(this, receive: false, runContinuationsInline);
    }

    /// <summary>The engine's socket.</summary>
    public EpollSocket Socket => _socket;

    public override int BytesReceived => _receive.BytesTransferred;

    public override SocketError ReceiveError => _receive.SocketError;

    public override int BytesSent => _send.BytesTransferred;

    public override SocketError SendError => _send.SocketError;

    public override bool ReceiveAsync(Memory<byte> buffer)
    {
        _receive.Buffer = buffer;
        return _socket.ReceiveAsync(_receive);
    }

    public override bool SendAsync(Memory<byte> buffer)
    {
        _send.Buffer = buffer;
        return _socket.SendAsync(_send);
    }

    public override void Dispose() => _socket.Dispose();

    private sealed class Operation(EpollSocketIo io, bool receive, bool runContinuationsInline) : EpollOperation(runContinuationsInline)
    {
        protected override void OnCompleted()
        {
            if (receive)
            {
                io.Reader!.OnReceiveCompleted();
            }
            else
            {
                io.Writer!.OnSendCompleted();
            }
        }
    }
}
