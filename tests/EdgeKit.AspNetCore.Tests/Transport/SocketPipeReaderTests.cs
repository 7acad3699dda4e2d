using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: <see cref="SocketPipeReader"/>, the cleartext transport's reader on the socket itself, keeps the
/// <see cref="PipeReader"/> contract the connection and its body stream rely on, against a real socket pair on 127.0.0.1.
/// </summary>
public class SocketPipeReaderTests
{
    /// <summary>The socket pair a test runs on (<see cref="SocketPipeReaderOnEpollTests"/>: one .NET's engine never registered).</summary>
    protected virtual Task<LoopbackSocketPair> ConnectAsync() => LoopbackSocketPair.ConnectAsync();

    /// <summary>The reader under test, on the pair's local socket (here through .NET's sockets).</summary>
    private protected virtual SocketPipeReader Reader(LoopbackSocketPair pair) => new(pair.Local);

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static string Text(ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());

    /// <summary>Reads, examining everything and consuming nothing, until at least <paramref name="count"/> bytes are buffered.</summary>
    private static async Task<ReadResult> ReadAtLeastAsync(PipeReader reader, int count)
    {
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(HangGuard);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                return result;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i + seed) * 31 % 251);
        }

        return bytes;
    }

    [Fact]
    public async Task A_read_returns_what_arrived_and_after_examining_everything_waits_for_new_bytes_keeping_the_unconsumed_ones()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);

        await pair.SendAsync("abc");
        var first = await ReadAtLeastAsync(reader, 3);
        Text(first.Buffer).Should().Be("abc");
        first.IsCompleted.Should().BeFalse();
        first.IsCanceled.Should().BeFalse();
        reader.AdvanceTo(first.Buffer.GetPosition(1), first.Buffer.End);

        var waiting = reader.ReadAsync();
        waiting.IsCompleted.Should().BeFalse("everything buffered was examined: the read waits for the peer");
        await pair.SendAsync("def");
        var second = await waiting.AsTask().WaitAsync(HangGuard);
        if (second.Buffer.Length < 5)
        {
            reader.AdvanceTo(second.Buffer.Start, second.Buffer.End);
            second = await ReadAtLeastAsync(reader, 5);
        }

        Text(second.Buffer).Should().Be("bcdef", "the unconsumed bytes come first, then the new ones, in one contiguous buffer");
        second.Buffer.IsSingleSegment.Should().BeTrue();
    }

    [Fact]
    public async Task A_read_after_examining_only_part_of_the_buffer_completes_synchronously_with_the_same_bytes()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        await pair.SendAsync("hello");
        var first = await ReadAtLeastAsync(reader, 5);
        reader.AdvanceTo(first.Buffer.GetPosition(2), first.Buffer.GetPosition(3));

        var again = reader.ReadAsync();

        again.IsCompletedSuccessfully.Should().BeTrue("bytes not yet examined are buffered: no receive is needed");
        Text((await again).Buffer).Should().Be("llo");
    }

    [Fact]
    public async Task A_response_head_split_across_receives_is_read_whole_once_its_end_arrives()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        const string First = "HTTP/1.1 200 OK\r\nContent-";
        const string Second = "Length: 2\r\n\r\nok";
        await pair.SendAsync(First);

        var part = await ReadAtLeastAsync(reader, First.Length);
        part.Buffer.PositionOf((byte)'\n').Should().NotBeNull();
        Text(part.Buffer).Should().NotContain("\r\n\r\n");
        reader.AdvanceTo(part.Buffer.Start, part.Buffer.End);
        var pending = reader.ReadAsync();
        pending.IsCompleted.Should().BeFalse();
        await pair.SendAsync(Second);
        var whole = await pending.AsTask().WaitAsync(HangGuard);
        if (whole.Buffer.Length < First.Length + Second.Length)
        {
            reader.AdvanceTo(whole.Buffer.Start, whole.Buffer.End);
            whole = await ReadAtLeastAsync(reader, First.Length + Second.Length);
        }

        string text = Text(whole.Buffer);
        text.Should().Be("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        reader.AdvanceTo(whole.Buffer.GetPosition(headEnd));
        var body = reader.ReadAsync();
        body.IsCompletedSuccessfully.Should().BeTrue();
        Text((await body).Buffer).Should().Be("ok");
    }

    [Fact]
    public async Task A_body_much_larger_than_the_buffer_arrives_intact_through_a_buffer_that_does_not_grow_when_consumed_as_it_goes()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        var body = Pattern(1 << 20);
        var send = pair.SendAsync(body);

        var received = new MemoryStream();
        while (received.Length < body.Length)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(HangGuard);
            result.IsCompleted.Should().BeFalse();
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
        }

        await send;
        received.ToArray().Should().Equal(body);
        reader.BufferSize.Should().Be(SocketPipeReader.InitialBufferSize);
    }

    [Fact]
    public async Task A_head_larger_than_the_buffer_grows_it_and_keeps_every_byte()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        var head = Pattern(20_000);
        var send = pair.SendAsync(head);

        var result = await ReadAtLeastAsync(reader, head.Length);

        await send;
        result.Buffer.ToArray().Should().Equal(head);
        result.Buffer.IsSingleSegment.Should().BeTrue();
        reader.BufferSize.Should().BeGreaterThanOrEqualTo(head.Length);
    }

    [Fact]
    public async Task Unconsumed_bytes_near_the_end_of_the_buffer_are_moved_to_its_start_before_the_next_receive()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        var bytes = Pattern(10_000, seed: 7);
        await pair.SendAsync(bytes[..7000]);
        var first = await ReadAtLeastAsync(reader, 7000);
        first.Buffer.Length.Should().Be(7000);
        reader.AdvanceTo(first.Buffer.GetPosition(6000), first.Buffer.End);

        await pair.SendAsync(bytes[7000..]);
        var second = await ReadAtLeastAsync(reader, 4000);

        second.Buffer.ToArray().Should().Equal(bytes[6000..]);
        reader.BufferSize.Should().Be(SocketPipeReader.InitialBufferSize, "1,000 unconsumed bytes fit once moved to the start");
    }

    [Fact]
    public async Task CancelPendingRead_completes_the_waiting_read_as_cancelled_and_the_next_read_gets_the_bytes_that_come()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        var pending = reader.ReadAsync();
        pending.IsCompleted.Should().BeFalse();

        reader.CancelPendingRead();

        var cancelled = await pending.AsTask().WaitAsync(HangGuard);
        cancelled.IsCanceled.Should().BeTrue();
        cancelled.IsCompleted.Should().BeFalse();
        cancelled.Buffer.IsEmpty.Should().BeTrue();
        reader.AdvanceTo(cancelled.Buffer.Start, cancelled.Buffer.End);
        var next = reader.ReadAsync();
        next.IsCompleted.Should().BeFalse("the receive the cancelled read started is still waiting for the peer");
        await pair.SendAsync("late");
        Text((await next.AsTask().WaitAsync(HangGuard)).Buffer).Should().Be("late");
    }

    [Fact]
    public async Task CancelPendingRead_without_a_read_cancels_the_next_one_only()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);

        reader.CancelPendingRead();
        var cancelled = reader.ReadAsync();

        cancelled.IsCompletedSuccessfully.Should().BeTrue();
        var cancelledResult = await cancelled;
        cancelledResult.IsCanceled.Should().BeTrue();
        reader.AdvanceTo(cancelledResult.Buffer.Start);
        var next = reader.ReadAsync();
        next.IsCompleted.Should().BeFalse();
        await pair.SendAsync("x");
        var result = await next.AsTask().WaitAsync(HangGuard);
        result.IsCanceled.Should().BeFalse();
        Text(result.Buffer).Should().Be("x");
    }

    [Fact]
    public async Task A_read_whose_token_is_cancelled_throws_and_the_receive_it_left_running_feeds_the_next_read()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        using var cancellation = new CancellationTokenSource();
        var pending = reader.ReadAsync(cancellation.Token);

        await cancellation.CancelAsync();

        var thrown = await pending.AsTask().Awaiting(t => t.WaitAsync(HangGuard)).Should().ThrowExactlyAsync<OperationCanceledException>();
        thrown.Which.CancellationToken.Should().Be(cancellation.Token);
        reader.ReadAsync(cancellation.Token).AsTask().IsCanceled.Should().BeTrue("a token already cancelled cancels at once");
        var next = reader.ReadAsync();
        await pair.SendAsync("after");
        Text((await next.AsTask().WaitAsync(HangGuard)).Buffer).Should().Be("after");
    }

    [Fact]
    public async Task The_peer_closing_mid_body_completes_the_reader_after_the_bytes_it_sent()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        await pair.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
        pair.Peer.Shutdown(SocketShutdown.Send);

        var result = await ReadAtLeastAsync(reader, int.MaxValue);

        result.IsCompleted.Should().BeTrue();
        Text(result.Buffer).Should().EndWith("\r\n\r\nhalf");
        reader.AdvanceTo(result.Buffer.End);
        var after = reader.ReadAsync();
        after.IsCompletedSuccessfully.Should().BeTrue("the end stays the end");
        var afterResult = await after;
        afterResult.IsCompleted.Should().BeTrue();
        afterResult.Buffer.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task A_reset_by_the_peer_throws_what_NetworkStream_throws_for_it()
    {
        using var pair = await ConnectAsync();
        using var streamPair = await LoopbackSocketPair.ConnectAsync();
        var reader = Reader(pair);
        pair.ResetByPeer();
        streamPair.ResetByPeer();
        pair.WaitUntilLocalSeesPeerEnd();
        streamPair.WaitUntilLocalSeesPeerEnd();

        var actual = await reader.Awaiting(r => r.ReadAsync().AsTask().WaitAsync(HangGuard)).Should().ThrowExactlyAsync<IOException>();
        var expected = await new NetworkStream(streamPair.Local).Awaiting(s => s.ReadAsync(new byte[16]).AsTask().WaitAsync(HangGuard)).Should().ThrowExactlyAsync<IOException>();

        actual.Which.Message.Should().Be("Unable to read data from the transport connection: Connection reset by peer.");
        actual.Which.Message.Should().Be(expected.Which.Message);
        actual.Which.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
    }

    [Fact]
    public async Task A_reset_while_a_read_waits_fails_that_read_with_the_reset()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        var pending = reader.ReadAsync();
        pending.IsCompleted.Should().BeFalse();

        pair.ResetByPeer();

        var thrown = await pending.AsTask().Awaiting(t => t.WaitAsync(HangGuard)).Should().ThrowExactlyAsync<IOException>();
        thrown.Which.Message.Should().Be("Unable to read data from the transport connection: Connection reset by peer.");
        thrown.Which.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
    }

    [Fact]
    public async Task After_Complete_reading_is_refused_and_a_position_from_another_buffer_is_refused()
    {
        using var pair = await ConnectAsync();
        var reader = Reader(pair);
        await pair.SendAsync("abc");
        var result = await ReadAtLeastAsync(reader, 3);

        reader.Invoking(r => r.AdvanceTo(new ReadOnlySequence<byte>(new byte[3]).End)).Should().ThrowExactly<InvalidOperationException>()
            .WithMessage("The position does not come from the buffer the last read returned.");
        reader.Invoking(r => r.AdvanceTo(result.Buffer.End, result.Buffer.Start)).Should().ThrowExactly<ArgumentOutOfRangeException>()
            .WithMessage("The examined position must lie between the consumed position and the end of the buffer.*");
        reader.AdvanceTo(result.Buffer.End);
        reader.Complete();

        reader.Invoking(r => r.ReadAsync()).Should().ThrowExactly<InvalidOperationException>()
            .WithMessage("Reading is not allowed after the reader was completed.");
        pair.Local.Connected.Should().BeTrue("the socket is the connection's, not the reader's");
    }

    [Fact]
    public async Task A_cleartext_connection_reads_and_writes_the_socket_itself_and_a_TLS_one_its_SslStream()
    {
        using var pair = await ConnectAsync();
        using var handler = new Http1Handler(new ClusterHttpClientOptions());
        using var pool = new Http1ConnectionPool(handler, new Uri("http://127.0.0.1:1"));

        var cleartext = new Http1Connection(pool, pair.Local, new NetworkStream(pair.Local, ownsSocket: false), 0);
        var tls = new Http1Connection(pool, pair.Local, new SslStream(new NetworkStream(pair.Local, ownsSocket: false)), 0);

        cleartext.Reader.Should().BeOfType<SocketPipeReader>();
        cleartext.Writer.Should().BeOfType<SocketPipeWriter>();
        tls.Reader.Should().NotBeOfType<SocketPipeReader>();
        tls.Writer.Should().NotBeOfType<SocketPipeWriter>();
    }
}
