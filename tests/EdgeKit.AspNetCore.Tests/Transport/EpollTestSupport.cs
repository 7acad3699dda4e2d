using System.Buffers;
using System.Net.Sockets;
using EdgeKit.AspNetCore.Transport.Epoll;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>A fact that is skipped, with the reason, where EdgeKit's epoll engine cannot run (not Linux).</summary>
internal sealed class EpollFactAttribute : FactAttribute
{
    public EpollFactAttribute()
    {
        if (!EpollEngine.IsSupported)
        {
            Skip = "EdgeKit's epoll engine runs on Linux only.";
        }
    }
}

/// <summary>An <see cref="EpollOperation"/> a test awaits: counts its completions and records the thread they ran on.</summary>
internal sealed class AwaitableEpollOperation(bool runContinuationsInline = true) : EpollOperation(runContinuationsInline)
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private TaskCompletionSource<AwaitableEpollOperation>? _completion;
    private int _completions;

    /// <summary>How many times <see cref="OnCompleted"/> ran.</summary>
    public int Completions => Volatile.Read(ref _completions);

    /// <summary>The thread the last completion ran on.</summary>
    public Thread? CompletedOn { get; private set; }

    /// <summary>Runs inside the completion (on the loop thread when inline), before the awaiting test goes on.</summary>
    public Action<AwaitableEpollOperation>? OnCompletion { get; set; }

    /// <summary>Whether the last start was pending.</summary>
    public bool WasPending { get; private set; }

    /// <summary>Starts an operation (<paramref name="start"/> returns the socket's "pending"); completes with this operation when it ended.</summary>
    public Task<AwaitableEpollOperation> Start(Func<AwaitableEpollOperation, bool> start)
    {
        // Set before the start: a pending operation may complete on the loop at once.
        var completion = new TaskCompletionSource<AwaitableEpollOperation>(TaskCreationOptions.RunContinuationsAsynchronously);
        _completion = completion;
        WasPending = start(this);
        if (!WasPending)
        {
            return Task.FromResult(this);
        }

        return completion.Task.WaitAsync(HangGuard);
    }

    public Task<AwaitableEpollOperation> ReceiveAsync(EpollSocket socket, Memory<byte> buffer)
    {
        Buffer = buffer;
        return Start(op => socket.ReceiveAsync(op));
    }

    public Task<AwaitableEpollOperation> SendAsync(EpollSocket socket, ReadOnlyMemory<byte> bytes)
    {
        Buffer = System.Runtime.InteropServices.MemoryMarshal.AsMemory(bytes);
        return Start(op => socket.SendAsync(op));
    }

    public Task<AwaitableEpollOperation> SendAsync(EpollSocket socket, ReadOnlySequence<byte> bytes)
    {
        Sequence = bytes;
        return Start(op => socket.SendAsync(op));
    }

    protected override void OnCompleted()
    {
        Interlocked.Increment(ref _completions);
        CompletedOn = Thread.CurrentThread;
        OnCompletion?.Invoke(this);
        _completion!.TrySetResult(this);
    }
}

/// <summary>A sequence of segments for gathered sends.</summary>
internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
{
    private TestSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>The bytes cut into <paramref name="parts"/> segments of near-equal length.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int parts)
    {
        int size = (bytes.Length + parts - 1) / parts;
        TestSegment? first = null;
        TestSegment? last = null;
        for (int offset = 0; offset < bytes.Length; offset += size)
        {
            // Each segment its own array, as a pipe's blocks are.
            var segment = new TestSegment(bytes.AsSpan(offset, Math.Min(size, bytes.Length - offset)).ToArray(), offset);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Next = segment;
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }
}

/// <summary>What a finished operation reports, for assertions.</summary>
internal static class EpollOperationResults
{
    public static (int Bytes, SocketError Error) Result(this EpollOperation op) => (op.BytesTransferred, op.SocketError);
}
