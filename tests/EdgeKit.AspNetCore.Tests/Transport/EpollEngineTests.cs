using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EdgeKit.AspNetCore.Transport.Epoll;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: EdgeKit's epoll engine against real sockets on 127.0.0.1. A receive that has to wait makes no system call
/// (the EAGAIN <c>recv</c> .NET's engine makes first), completes once bytes arrive, and never misses an edge; sends go
/// on after partial sends; connects, closes, resets and disposal end operations with .NET's socket errors.
/// </summary>
public sealed class EpollEngineTests : IDisposable
{
    private readonly EpollEngine _engine = EpollEngine.IsSupported ? new EpollEngine(1) : null!;

    public void Dispose() => _engine?.Dispose();

    private static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i + seed) * 31 % 251);
        }

        return bytes;
    }

    [EpollFact]
    public void The_shared_engine_runs_one_background_loop_per_processor_and_the_engine_is_supported_on_linux()
    {
        EpollEngine.IsSupported.Should().Be(OperatingSystem.IsLinux());
        EpollEngine.Shared.Should().BeSameAs(EpollEngine.Shared);
        EpollEngine.Shared.LoopCount.Should().Be(Math.Max(1, Environment.ProcessorCount));
    }

    [EpollFact]
    public async Task A_receive_on_an_empty_socket_parks_without_a_system_call_and_completes_with_the_bytes_once_they_arrive()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        using var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var buffer = new byte[64];

        var receive = op.ReceiveAsync(socket, buffer);
        op.WasPending.Should().BeTrue("nothing was sent yet");
        socket.ReceiveCalls.Should().Be(0, "a receive on a socket not known to be readable waits for an edge: no speculative recv");
        receive.IsCompleted.Should().BeFalse();

        await pair.SendAsync("hello");
        await receive;
        op.Result().Should().Be((5, SocketError.Success));
        Encoding.ASCII.GetString(buffer, 0, 5).Should().Be("hello");
        op.Completions.Should().Be(1);
        socket.ReceiveCalls.Should().Be(1, "one edge, one recv: a short read drained the socket");

        // The short read said the socket is empty: the next receive parks again with no call.
        var next = op.ReceiveAsync(socket, buffer);
        op.WasPending.Should().BeTrue();
        socket.ReceiveCalls.Should().Be(1);
        await pair.SendAsync("more data");
        await next;
        op.Result().Should().Be((9, SocketError.Success));
        Encoding.ASCII.GetString(buffer, 0, 9).Should().Be("more data");
        op.Completions.Should().Be(2);
    }

    [EpollFact]
    public async Task Bytes_that_arrived_before_the_socket_was_registered_are_read_at_once_and_a_full_buffer_reads_again_without_waiting()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        var sent = Pattern(100);
        await pair.SendAsync(sent);
        pair.Local.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead).Should().BeTrue();
        using var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var received = new List<byte>();
        var buffer = new byte[16];

        while (received.Count < sent.Length)
        {
            await op.ReceiveAsync(socket, buffer);
            op.SocketError.Should().Be(SocketError.Success);
            op.BytesTransferred.Should().BeGreaterThan(0);
            received.AddRange(buffer.AsSpan(0, op.BytesTransferred).ToArray());
        }

        received.Should().Equal(sent);
        // Six full reads of 16 and one short read of 4 (the registration's edge found the bytes): no EAGAIN call.
        socket.ReceiveCalls.Should().Be(7);
        var parked = op.ReceiveAsync(socket, buffer);
        op.WasPending.Should().BeTrue("the short read drained the socket");
        socket.ReceiveCalls.Should().Be(7);
        pair.Peer.Shutdown(SocketShutdown.Send);
        await parked;
        op.Result().Should().Be((0, SocketError.Success));
    }

    [EpollFact]
    public async Task A_pending_receive_completes_with_zero_bytes_when_the_peer_closes_and_with_ConnectionReset_when_it_resets()
    {
        using (var pair = await LoopbackSocketPair.ConnectUnregisteredAsync())
        using (var socket = EpollSocket.Create(pair.Local, _engine))
        {
            var op = new AwaitableEpollOperation();
            var receive = op.ReceiveAsync(socket, new byte[16]);
            op.WasPending.Should().BeTrue();
            pair.Peer.Shutdown(SocketShutdown.Both);
            pair.Peer.Close();
            await receive;
            op.Result().Should().Be((0, SocketError.Success), "the peer's FIN reads as 0 bytes");

            // The end stays readable: another receive completes at once with 0.
            await op.ReceiveAsync(socket, new byte[16]);
            op.Result().Should().Be((0, SocketError.Success));
        }

        using (var pair = await LoopbackSocketPair.ConnectUnregisteredAsync())
        using (var socket = EpollSocket.Create(pair.Local, _engine))
        {
            var op = new AwaitableEpollOperation();
            var receive = op.ReceiveAsync(socket, new byte[16]);
            op.WasPending.Should().BeTrue();
            pair.ResetByPeer();
            await receive;
            op.Result().Should().Be((0, SocketError.ConnectionReset));
        }
    }

    [EpollFact]
    public async Task Bytes_and_the_peers_close_arriving_together_read_as_the_bytes_then_the_end_though_no_edge_follows_the_short_read()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        using var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var buffer = new byte[16];
        var receive = op.ReceiveAsync(socket, buffer);
        await pair.SendAsync("abc");
        await receive;
        op.Result().Should().Be((3, SocketError.Success));

        // Bytes and FIN before the next receive: one edge (or two) for both; the short read must not park the end.
        await pair.SendAsync("def");
        pair.Peer.Shutdown(SocketShutdown.Send);
        pair.Local.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead).Should().BeTrue();
        var got = new List<byte>();
        while (true)
        {
            await op.ReceiveAsync(socket, buffer);
            op.SocketError.Should().Be(SocketError.Success);
            if (op.BytesTransferred == 0)
            {
                break;
            }

            got.AddRange(buffer.AsSpan(0, op.BytesTransferred).ToArray());
        }

        Encoding.ASCII.GetString(got.ToArray()).Should().Be("def");
    }

    [EpollFact]
    public async Task A_send_of_8_MiB_to_a_slow_reader_goes_on_after_partial_sends_and_delivers_every_byte_in_order()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        pair.Local.SendBufferSize = 64 * 1024;
        pair.Peer.ReceiveBufferSize = 64 * 1024;
        using var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var payload = Pattern(8 * 1024 * 1024, seed: 7);

        var send = op.SendAsync(socket, payload);
        op.WasPending.Should().BeTrue("8 MiB do not fit in the socket buffers of a reader that has not read yet");
        op.Completions.Should().Be(0);

        var received = new byte[payload.Length];
        int read = 0;
        while (read < received.Length)
        {
            // A slow reader: small reads.
            int n = await pair.Peer.ReceiveAsync(received.AsMemory(read, Math.Min(32 * 1024, received.Length - read))).AsTask().WaitAsync(AwaitableEpollOperation.HangGuard);
            n.Should().BeGreaterThan(0);
            read += n;
        }

        await send;
        op.Result().Should().Be((payload.Length, SocketError.Success));
        op.Completions.Should().Be(1);
        SHA256.HashData(received).Should().Equal(SHA256.HashData(payload));
        socket.SendCalls.Should().BeGreaterThan(1, "partial sends went on when the socket was writable again");
    }

    [EpollFact]
    public async Task A_sequence_of_several_segments_goes_in_one_sendmsg_and_more_than_sixteen_segments_in_batches()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        using var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();

        var small = Pattern(1000, seed: 3);
        await op.SendAsync(socket, TestSegment.Split(small, 5));
        op.Result().Should().Be((1000, SocketError.Success));
        op.WasPending.Should().BeFalse("the socket took it at once");
        socket.SendCalls.Should().Be(1, "five segments, one sendmsg");
        (await pair.ReceiveAsync(1000)).Should().Equal(small);

        var many = Pattern(40 * 100, seed: 5);
        await op.SendAsync(socket, TestSegment.Split(many, 40));
        op.Result().Should().Be((4000, SocketError.Success));
        socket.SendCalls.Should().Be(1 + 3, "sixteen segments per sendmsg: 16 + 16 + 8");
        (await pair.ReceiveAsync(4000)).Should().Equal(many);

        // A sequence sliced inside its first segment, and a single-segment sequence.
        var sliced = TestSegment.Split(many, 40).Slice(50, 300);
        await op.SendAsync(socket, sliced);
        op.Result().Should().Be((300, SocketError.Success));
        (await pair.ReceiveAsync(300)).Should().Equal(many.AsSpan(50, 300).ToArray());
        await op.SendAsync(socket, new System.Buffers.ReadOnlySequence<byte>(small));
        (await pair.ReceiveAsync(1000)).Should().Equal(small);
    }

    [EpollFact]
    public async Task A_connect_to_a_port_nobody_listens_on_fails_with_ConnectionRefused_and_a_connect_to_a_listener_carries_bytes_both_ways()
    {
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        // A dual-mode socket (as the transport makes) connecting to an IPv4 address: mapped.
        using (var refused = new Socket(SocketType.Stream, ProtocolType.Tcp))
        using (var socket = EpollSocket.Create(refused, _engine))
        {
            var op = new AwaitableEpollOperation();
            await op.Start(o => socket.ConnectAsync(o, new IPEndPoint(IPAddress.Loopback, closedPort)));
            op.Result().Should().Be((0, SocketError.ConnectionRefused));
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var connected = EpollSocket.Create(client, _engine);
        var connect = new AwaitableEpollOperation();
        await connect.Start(o => connected.ConnectAsync(o, (IPEndPoint)listener.LocalEndPoint!));
        connect.Result().Should().Be((0, SocketError.Success));
        client.Connected.Should().BeTrue(".NET's socket knows the connection the engine completed");
        client.RemoteEndPoint.Should().Be(listener.LocalEndPoint);
        using var server = await listener.AcceptAsync().WaitAsync(AwaitableEpollOperation.HangGuard);

        var send = new AwaitableEpollOperation();
        await send.SendAsync(connected, Encoding.ASCII.GetBytes("ping"));
        send.Result().Should().Be((4, SocketError.Success));
        var got = new byte[4];
        (await server.ReceiveAsync(got.AsMemory()).AsTask().WaitAsync(AwaitableEpollOperation.HangGuard)).Should().Be(4);
        Encoding.ASCII.GetString(got).Should().Be("ping");

        var receive = new AwaitableEpollOperation();
        var buffer = new byte[8];
        var pending = receive.ReceiveAsync(connected, buffer);
        await server.SendAsync(Encoding.ASCII.GetBytes("pong"));
        await pending;
        receive.Result().Should().Be((4, SocketError.Success));
        Encoding.ASCII.GetString(buffer, 0, 4).Should().Be("pong");
    }

    [EpollFact]
    public async Task A_socket_registered_before_its_connect_still_parks_receives_without_a_call_after_short_reads()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var socket = EpollSocket.Create(client, _engine);
        // The registration of an unconnected socket reports EPOLLOUT | EPOLLHUP: let the loop take it before the connect.
        using (var limit = new CancellationTokenSource(AwaitableEpollOperation.HangGuard))
        {
            while (socket.ReadEvents == 0)
            {
                await Task.Delay(1, limit.Token);
            }
        }

        var connect = new AwaitableEpollOperation();
        await connect.Start(o => socket.ConnectAsync(o, (IPEndPoint)listener.LocalEndPoint!));
        connect.Result().Should().Be((0, SocketError.Success));
        using var server = await listener.AcceptAsync().WaitAsync(AwaitableEpollOperation.HangGuard);

        var op = new AwaitableEpollOperation();
        var buffer = new byte[16];
        for (int i = 0; i < 3; i++)
        {
            var receive = op.ReceiveAsync(socket, buffer);
            int calls = socket.ReceiveCalls;
            if (i > 0)
            {
                op.WasPending.Should().BeTrue();
                calls.Should().Be(i + 1, "after a short read a receive waits for the next edge: the unconnected socket's HUP is no hang-up");
            }

            await server.SendAsync(Encoding.ASCII.GetBytes($"r{i}"));
            await receive;
            op.Result().Should().Be((2, SocketError.Success));
            Encoding.ASCII.GetString(buffer, 0, 2).Should().Be($"r{i}");
        }
    }

    [EpollFact]
    public async Task An_IPv6_connect_reaches_a_listener_on_the_IPv6_loopback()
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        }
        catch (SocketException)
        {
            return; // No ::1 on this machine: the IPv4 tests cover the engine.
        }

        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        using var socket = EpollSocket.Create(client, _engine);
        var op = new AwaitableEpollOperation();
        await op.Start(o => socket.ConnectAsync(o, (IPEndPoint)listener.LocalEndPoint!));
        op.Result().Should().Be((0, SocketError.Success));
        using var server = await listener.AcceptAsync().WaitAsync(AwaitableEpollOperation.HangGuard);
        ((IPEndPoint)server.RemoteEndPoint!).Address.Should().Be(IPAddress.IPv6Loopback);
    }

    [EpollFact]
    public async Task Dispose_completes_a_pending_receive_with_OperationAborted_exactly_once_and_later_events_are_ignored()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var receive = op.ReceiveAsync(socket, new byte[16]);
        op.WasPending.Should().BeTrue();
        _engine.RegisteredSockets.Should().Be(1);

        socket.Dispose();
        await receive;
        op.Result().Should().Be((0, SocketError.OperationAborted));
        socket.Dispose();
        _engine.RegisteredSockets.Should().Be(0);

        // Traffic after the disposal: the loop (one thread) handles another socket's edge after it; nothing reaches op.
        await pair.SendAsync("late");
        using var other = await LoopbackSocketPair.ConnectUnregisteredAsync();
        using var otherSocket = EpollSocket.Create(other.Local, _engine);
        var otherOp = new AwaitableEpollOperation();
        var otherReceive = otherOp.ReceiveAsync(otherSocket, new byte[16]);
        await other.SendAsync("x");
        await otherReceive;
        otherOp.Result().Should().Be((1, SocketError.Success));
        op.Completions.Should().Be(1);

        // A disposed socket refuses new operations synchronously.
        var after = new AwaitableEpollOperation();
        await after.ReceiveAsync(socket, new byte[16]);
        after.WasPending.Should().BeFalse();
        after.Result().Should().Be((0, SocketError.OperationAborted));
        after.Completions.Should().Be(0, "a synchronous completion does not call OnCompleted");
    }

    [EpollFact]
    public async Task A_socket_disposed_from_its_own_completion_gets_no_further_callbacks_and_its_slot_is_reused_by_a_later_generation()
    {
        for (int i = 0; i < 200; i++)
        {
            using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
            var socket = EpollSocket.Create(pair.Local, _engine);
            socket.Slot.Should().Be(0, "the one slot freed by the socket before is reused");
            var op = new AwaitableEpollOperation { OnCompletion = _ => socket.Dispose() };
            var receive = op.ReceiveAsync(socket, new byte[4]);
            // More bytes than the buffer holds, then a reset: edges arrive while (and after) the completion disposes.
            await pair.SendAsync(Pattern(64, seed: i));
            await receive;
            op.Result().Should().Be((4, SocketError.Success));
            pair.ResetByPeer();
            op.Completions.Should().Be(1);
        }

        _engine.RegisteredSockets.Should().Be(0);
    }

    [EpollFact]
    public async Task Completions_run_on_the_loop_thread_when_inline_and_on_the_thread_pool_otherwise()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        using var socket = EpollSocket.Create(pair.Local, _engine);

        var inline = new AwaitableEpollOperation(runContinuationsInline: true);
        var first = inline.ReceiveAsync(socket, new byte[16]);
        await pair.SendAsync("a");
        await first;
        inline.CompletedOn!.Name.Should().Be("EdgeKit epoll 0");
        inline.CompletedOn.IsBackground.Should().BeTrue();
        inline.CompletedOn.IsThreadPoolThread.Should().BeFalse();

        var pooled = new AwaitableEpollOperation(runContinuationsInline: false);
        var second = pooled.ReceiveAsync(socket, new byte[16]);
        pooled.WasPending.Should().BeTrue();
        await pair.SendAsync("b");
        await second;
        pooled.Result().Should().Be((1, SocketError.Success));
        pooled.CompletedOn!.IsThreadPoolThread.Should().BeTrue();
    }

    [EpollFact]
    public async Task A_zero_byte_receive_waits_for_readability_without_a_call_and_then_the_bytes_are_read_in_one_call()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        using var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var wait = op.ReceiveAsync(socket, Memory<byte>.Empty);
        op.WasPending.Should().BeTrue();
        await pair.SendAsync("abc");
        await wait;
        op.Result().Should().Be((0, SocketError.Success));
        socket.ReceiveCalls.Should().Be(0);
        var buffer = new byte[8];
        await op.ReceiveAsync(socket, buffer);
        op.Result().Should().Be((3, SocketError.Success));
        socket.ReceiveCalls.Should().Be(1);
    }

    [EpollFact]
    public async Task Two_hundred_sockets_echo_concurrently_on_two_loops_with_every_byte_intact()
    {
        using var engine = new EpollEngine(2);
        const int Sockets = 200;
        const int Rounds = 20;
        var pairs = new LoopbackSocketPair[Sockets];
        for (int i = 0; i < Sockets; i++)
        {
            pairs[i] = await LoopbackSocketPair.ConnectUnregisteredAsync();
        }

        try
        {
            var echoes = pairs.Select((pair, index) => Task.Run(async () =>
            {
                using var socket = EpollSocket.Create(pair.Local, engine);
                var receive = new AwaitableEpollOperation(runContinuationsInline: index % 2 == 0);
                var send = new AwaitableEpollOperation(runContinuationsInline: index % 2 == 0);
                var buffer = new byte[256];
                var client = Task.Run(async () =>
                {
                    for (int round = 0; round < Rounds; round++)
                    {
                        var message = Pattern(100, seed: (index * Rounds) + round);
                        await pair.SendAsync(message);
                        (await pair.ReceiveAsync(100)).Should().Equal(message);
                    }

                    pair.Peer.Shutdown(SocketShutdown.Send);
                });

                long echoed = 0;
                while (true)
                {
                    await receive.ReceiveAsync(socket, buffer);
                    receive.SocketError.Should().Be(SocketError.Success);
                    if (receive.BytesTransferred == 0)
                    {
                        break;
                    }

                    await send.SendAsync(socket, buffer.AsMemory(0, receive.BytesTransferred));
                    send.Result().Should().Be((receive.BytesTransferred, SocketError.Success));
                    echoed += receive.BytesTransferred;
                }

                await client;
                return echoed;
            })).ToArray();

            var totals = await Task.WhenAll(echoes).WaitAsync(TimeSpan.FromSeconds(120));
            totals.Should().AllSatisfy(total => total.Should().Be(Rounds * 100));
            engine.RegisteredSockets.Should().Be(0);
        }
        finally
        {
            foreach (var pair in pairs)
            {
                pair.Dispose();
            }
        }
    }

    [EpollFact]
    public async Task A_pending_send_is_aborted_by_Dispose_with_the_bytes_sent_so_far()
    {
        using var pair = await LoopbackSocketPair.ConnectUnregisteredAsync();
        pair.Local.SendBufferSize = 64 * 1024;
        pair.Peer.ReceiveBufferSize = 64 * 1024;
        var socket = EpollSocket.Create(pair.Local, _engine);
        var op = new AwaitableEpollOperation();
        var send = op.SendAsync(socket, new byte[8 * 1024 * 1024]);
        op.WasPending.Should().BeTrue();
        socket.Dispose();
        await send;
        op.SocketError.Should().Be(SocketError.OperationAborted);
        op.BytesTransferred.Should().BeInRange(1, (8 * 1024 * 1024) - 1);
        op.Completions.Should().Be(1);
    }
}
