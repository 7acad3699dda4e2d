using System.Net.Sockets;
using EdgeKit.AspNetCore.Transport.Epoll;

namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// The socket calls under <see cref="SocketPipeReader"/> and <see cref="SocketPipeWriter"/>, with
/// <see cref="SocketAsyncEventArgs"/>' contract: one receive and one send at a time, each returning true when pending
/// (its pipe's completion method then runs) and false when it completed now (results in the properties). Two
/// implementations: .NET's sockets (<see cref="Saea"/>) and EdgeKit's epoll engine (<see cref="EpollSocketIo"/>).
/// </summary>
internal abstract class SocketIo : IDisposable
{
    /// <summary>The reader whose <see cref="SocketPipeReader.OnReceiveCompleted"/> a pending receive's end calls (set by the reader).</summary>
    internal SocketPipeReader? Reader;

    /// <summary>The writer whose <see cref="SocketPipeWriter.OnSendCompleted"/> a pending send's end calls (set by the writer).</summary>
    internal SocketPipeWriter? Writer;

    /// <summary>The bytes the last receive brought (0: the peer closed).</summary>
    public abstract int BytesReceived { get; }

    /// <summary>How the last receive ended.</summary>
    public abstract SocketError ReceiveError { get; }

    /// <summary>The bytes the last send sent (it may be fewer than asked: the writer sends the rest).</summary>
    public abstract int BytesSent { get; }

    /// <summary>How the last send ended.</summary>
    public abstract SocketError SendError { get; }

    /// <summary>.NET's sockets, through one <see cref="SocketAsyncEventArgs"/> per direction.</summary>
    public static SocketIo Saea(Socket socket) => new SaeaSocketIo(socket);

    /// <summary>Receives into <paramref name="buffer"/>; true when pending. May throw what the socket throws (a closed socket).</summary>
    public abstract bool ReceiveAsync(Memory<byte> buffer);

    /// <summary>Sends <paramref name="buffer"/>; true when pending. May throw what the socket throws (a closed socket).</summary>
    public abstract bool SendAsync(Memory<byte> buffer);

    /// <summary>Ends what this owns besides the socket (the socket's owner closes it after this).</summary>
    public virtual void Dispose()
    {
    }

    private sealed class SaeaSocketIo : SocketIo
    {
        private readonly Socket _socket;
        private readonly Receiver _receiver;
        private readonly Sender _sender;

        public SaeaSocketIo(Socket socket)
        {
            _socket = socket;
            _receiver = new Receiver(this);
            _sender = new Sender(this);
        }

        public override int BytesReceived => _receiver.BytesTransferred;

        public override SocketError ReceiveError => _receiver.SocketError;

        public override int BytesSent => _sender.BytesTransferred;

        public override SocketError SendError => _sender.SocketError;

        public override bool ReceiveAsync(Memory<byte> buffer)
        {
            _receiver.SetBuffer(buffer);
            return _socket.ReceiveAsync(_receiver);
        }

        public override bool SendAsync(Memory<byte> buffer)
        {
            _sender.SetBuffer(buffer);
            return _socket.SendAsync(_sender);
        }

        private sealed class Receiver(SaeaSocketIo io) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
        {
            protected override void OnCompleted(SocketAsyncEventArgs e) => io.Reader!.OnReceiveCompleted();
        }

        private sealed class Sender(SaeaSocketIo io) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
        {
            protected override void OnCompleted(SocketAsyncEventArgs e) => io.Writer!.OnSendCompleted();
        }
    }
}
