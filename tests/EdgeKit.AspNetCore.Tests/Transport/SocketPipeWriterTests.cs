using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using EdgeKit.AspNetCore.Transport;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20: <see cref="SocketPipeWriter"/>, the cleartext transport's writer on the socket itself: a flush sends every
/// byte written (partial sends included), synchronously when the socket takes them at once, and fails as
/// <see cref="NetworkStream"/> does; against a real socket pair on 127.0.0.1.
/// </summary>
public class SocketPipeWriterTests
{
    /// <summary>The socket pair a test runs on (<see cref="SocketPipeWriterOnEpollTests"/>: one .NET's engine never registered).</summary>
    protected virtual Task<LoopbackSocketPair> ConnectAsync() => LoopbackSocketPair.ConnectAsync();

    /// <summary>The writer under test, on the pair's local socket (here through .NET's sockets).</summary>
    private protected virtual SocketPipeWriter Writer(LoopbackSocketPair pair) => new(pair.Local);

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 31 % 251);
        }

        return bytes;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            await Task.Delay(5, limit.Token);
        }
    }

    [Fact]
    public async Task A_small_flush_sends_the_bytes_written_and_completes_synchronously()
    {
        using var pair = await ConnectAsync();
        var writer = Writer(pair);
        const string Head = "GET /orders/42 HTTP/1.1\r\nHost: api\r\n\r\n";

        writer.Write(Encoding.ASCII.GetBytes(Head));
        writer.UnflushedBytes.Should().Be(Head.Length);
        var flush = writer.FlushAsync();

        flush.IsCompletedSuccessfully.Should().BeTrue("a loopback socket with room takes a request head at once");
        var flushed = await flush;
        flushed.IsCanceled.Should().BeFalse();
        flushed.IsCompleted.Should().BeFalse();
        writer.UnflushedBytes.Should().Be(0);
        Encoding.ASCII.GetString(await pair.ReceiveAsync(Head.Length)).Should().Be(Head);
        writer.FlushAsync().IsCompletedSuccessfully.Should().BeTrue("nothing to send");
    }

    [Fact]
    public async Task A_flush_larger_than_the_socket_takes_at_once_waits_and_sends_every_byte_in_order()
    {
        using var pair = await ConnectAsync();
        var writer = Writer(pair);
        var body = Pattern(8 << 20);

        writer.Write(body);
        var flush = writer.FlushAsync();
        flush.IsCompleted.Should().BeFalse("8 MiB do not fit the socket's buffers while the peer reads nothing");
        var received = await pair.ReceiveAsync(body.Length);
        var result = await flush.AsTask().WaitAsync(HangGuard);

        result.IsCanceled.Should().BeFalse();
        received.Should().Equal(body);
        writer.UnflushedBytes.Should().Be(0);
        writer.BufferSize.Should().BeGreaterThanOrEqualTo(body.Length, "the buffer holds what was written until the flush");
    }

    [Fact]
    public async Task GetSpan_grows_the_buffer_for_a_size_hint_and_keeps_what_was_written()
    {
        using var pair = await ConnectAsync();
        var writer = Writer(pair);
        writer.Write("head:"u8);

        var span = writer.GetSpan(10_000);

        span.Length.Should().BeGreaterThanOrEqualTo(10_000);
        int length = span.Length;
        span[..3].Fill((byte)'x');
        writer.Advance(3);
        writer.Invoking(w => w.Advance(length)).Should().ThrowExactly<ArgumentOutOfRangeException>();
        (await writer.FlushAsync()).IsCanceled.Should().BeFalse();
        Encoding.ASCII.GetString(await pair.ReceiveAsync(8)).Should().Be("head:xxx");
    }

    [Fact]
    public async Task CancelPendingFlush_without_a_flush_cancels_the_next_one_which_keeps_its_bytes_for_the_one_after()
    {
        using var pair = await ConnectAsync();
        var writer = Writer(pair);
        writer.Write("kept"u8);

        writer.CancelPendingFlush();
        var cancelled = writer.FlushAsync();

        cancelled.IsCompletedSuccessfully.Should().BeTrue();
        (await cancelled).IsCanceled.Should().BeTrue();
        writer.UnflushedBytes.Should().Be(4);
        (await writer.FlushAsync()).IsCanceled.Should().BeFalse();
        Encoding.ASCII.GetString(await pair.ReceiveAsync(4)).Should().Be("kept");
    }

    [Fact]
    public async Task A_flush_cancelled_by_its_token_throws_and_the_writer_is_refused_until_its_send_has_ended()
    {
        using var pair = await ConnectAsync();
        var writer = Writer(pair);
        var body = Pattern(8 << 20);
        using var cancellation = new CancellationTokenSource();
        writer.Write(body);
        var flush = writer.FlushAsync(cancellation.Token);
        flush.IsCompleted.Should().BeFalse();

        await cancellation.CancelAsync();

        var thrown = await flush.AsTask().Awaiting(t => t.WaitAsync(HangGuard)).Should().ThrowExactlyAsync<OperationCanceledException>();
        thrown.Which.CancellationToken.Should().Be(cancellation.Token);
        writer.Invoking(w => w.GetSpan()).Should().ThrowExactly<InvalidOperationException>()
            .WithMessage("A flush is still sending on this connection (a cancelled flush's send goes on until it ends).");
        (await pair.ReceiveAsync(body.Length)).Should().Equal(body, "the send went on");
        await WaitUntil(() => writer.UnflushedBytes == 0);
        writer.Write("next"u8);
        (await writer.FlushAsync()).IsCanceled.Should().BeFalse();
        Encoding.ASCII.GetString(await pair.ReceiveAsync(4)).Should().Be("next");
    }

    [Fact]
    public async Task A_flush_to_a_peer_that_reset_the_connection_throws_what_NetworkStream_throws_and_so_does_every_later_flush()
    {
        using var pair = await ConnectAsync();
        using var streamPair = await LoopbackSocketPair.ConnectAsync();
        var writer = Writer(pair);
        pair.ResetByPeer();
        streamPair.ResetByPeer();
        pair.WaitUntilLocalSeesPeerEnd();
        streamPair.WaitUntilLocalSeesPeerEnd();

        writer.Write("GET / HTTP/1.1\r\n\r\n"u8);
        var actual = await writer.Awaiting(w => w.FlushAsync().AsTask().WaitAsync(HangGuard)).Should().ThrowExactlyAsync<IOException>();
        var expected = await new NetworkStream(streamPair.Local).Awaiting(s => s.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray()).AsTask().WaitAsync(HangGuard))
            .Should().ThrowExactlyAsync<IOException>();

        actual.Which.Message.Should().Be("Unable to write data to the transport connection: Connection reset by peer.");
        actual.Which.Message.Should().Be(expected.Which.Message);
        actual.Which.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        writer.UnflushedBytes.Should().Be(0);
        var again = await writer.Awaiting(w => w.FlushAsync().AsTask()).Should().ThrowExactlyAsync<IOException>();
        again.Which.Should().BeSameAs(actual.Which);
    }

    [Fact]
    public async Task After_Complete_writing_is_refused()
    {
        using var pair = await ConnectAsync();
        var writer = Writer(pair);

        writer.Complete();

        writer.Invoking(w => w.GetMemory()).Should().ThrowExactly<InvalidOperationException>()
            .WithMessage("Writing is not allowed after the writer was completed.");
        writer.Invoking(w => w.FlushAsync()).Should().ThrowExactly<InvalidOperationException>();
        pair.Local.Connected.Should().BeTrue("the socket is the connection's, not the writer's");
    }
}
