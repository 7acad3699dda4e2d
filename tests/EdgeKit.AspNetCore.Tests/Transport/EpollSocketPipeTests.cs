using EdgeKit.AspNetCore.Transport;
using EdgeKit.AspNetCore.Transport.Epoll;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: every contract test of <see cref="SocketPipeReaderTests"/> with the reader on EdgeKit's epoll engine
/// (<see cref="EpollSocketIo"/>, completions on the loop thread) instead of .NET's <see cref="System.Net.Sockets.SocketAsyncEventArgs"/>.
/// </summary>
public sealed class SocketPipeReaderOnEpollTests : SocketPipeReaderTests, IDisposable
{
    private readonly EpollEngine? _engine = EpollEngine.IsSupported ? new EpollEngine(1) : null;

    protected override Task<LoopbackSocketPair> ConnectAsync() => LoopbackSocketPair.ConnectUnregisteredAsync();

    private protected override SocketPipeReader Reader(LoopbackSocketPair pair) =>
        _engine is null ? base.Reader(pair) : new SocketPipeReader(new EpollSocketIo(EpollSocket.Create(pair.Local, _engine)));

    public void Dispose() => _engine?.Dispose();
}

/// <summary>
/// Issue 20: every contract test of <see cref="SocketPipeWriterTests"/> with the writer on EdgeKit's epoll engine
/// (<see cref="EpollSocketIo"/>, completions on the loop thread) instead of .NET's <see cref="System.Net.Sockets.SocketAsyncEventArgs"/>.
/// </summary>
public sealed class SocketPipeWriterOnEpollTests : SocketPipeWriterTests, IDisposable
{
    private readonly EpollEngine? _engine = EpollEngine.IsSupported ? new EpollEngine(1) : null;

    protected override Task<LoopbackSocketPair> ConnectAsync() => LoopbackSocketPair.ConnectUnregisteredAsync();

    private protected override SocketPipeWriter Writer(LoopbackSocketPair pair) =>
        _engine is null ? base.Writer(pair) : new SocketPipeWriter(new EpollSocketIo(EpollSocket.Create(pair.Local, _engine)));

    public void Dispose() => _engine?.Dispose();
}
