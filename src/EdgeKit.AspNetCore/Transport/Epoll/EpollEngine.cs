using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeKit.AspNetCore.Transport.Epoll;

/// <summary>
/// EdgeKit's own socket engine on Linux: epoll instances, each waited on by one loop thread, with sockets registered
/// edge triggered (<see cref="EpollSocket"/>). Unlike .NET's engine it never tries a receive before it waits: a receive
/// is made only when an edge says the socket may hold bytes, which saves the EAGAIN <c>recv</c> per waiting read.
/// </summary>
/// <remarks>
/// The epoll data of a socket is its slot in the engine's table and the slot's generation, so events for a socket
/// disposed meanwhile (still in a loop's batch) find either an empty slot or another generation, and are ignored. A loop
/// waits for up to 256 events at once; an eventfd per loop stops it.
/// </remarks>
internal sealed unsafe class EpollEngine : IDisposable
{
    private const int BatchSize = 256;
    private const ulong StopKey = ulong.MaxValue;

    private static readonly Lazy<bool> s_isSupported = new(Probe);
    private static EpollEngine? s_shared;

    private readonly Loop[] _loops;
    private readonly Lock _slotsGate = new();
    private EpollSocket?[] _slots = new EpollSocket?[64];
    private readonly Stack<int> _freeSlots = new();
    private int _usedSlots;
    private uint _generation;
    private int _nextLoop = -1;

    /// <summary>Starts an engine with <paramref name="loopCount"/> loop threads (tests make their own; the host uses <see cref="Shared"/>).</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux, or epoll does not work here.</exception>
    internal EpollEngine(int loopCount)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("EdgeKit's epoll engine needs Linux with a working epoll.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(loopCount, 1);
        _loops = new Loop[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            _loops[i] = new Loop(this, i);
        }
    }

    /// <summary>Linux with a working epoll; false elsewhere (callers then keep .NET's sockets).</summary>
    public static bool IsSupported => s_isSupported.Value;

    /// <summary>
    /// The process-wide engine, started on first use: <see cref="Environment.ProcessorCount"/> loop threads (at least 1),
    /// background threads named "EdgeKit epoll N". Each registered socket belongs to one loop for its life (round robin).
    /// </summary>
    public static EpollEngine Shared
    {
        get
        {
            if (Volatile.Read(ref s_shared) is { } shared)
            {
                return shared;
            }

            var made = new EpollEngine(Math.Max(1, Environment.ProcessorCount));
            if (Interlocked.CompareExchange(ref s_shared, made, null) is { } other)
            {
                made.Dispose();
                return other;
            }

            return made;
        }
    }

    /// <summary>The number of loop threads.</summary>
    internal int LoopCount => _loops.Length;

    /// <summary>Sockets registered now (for tests).</summary>
    internal int RegisteredSockets
    {
        get
        {
            lock (_slotsGate)
            {
                return _usedSlots;
            }
        }
    }

    /// <summary>Stops the loops (for tests' own engines; the shared one lives as long as the process).</summary>
    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Stop();
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            int fd = Interop.EpollCreate1(Interop.EPOLL_CLOEXEC);
            if (fd < 0)
            {
                return false;
            }

            Interop.Close(fd);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The loop the next socket goes to (round robin).</summary>
    internal Loop NextLoop() => _loops[(uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length];

    /// <summary>Gives <paramref name="socket"/> a slot and generation and registers its descriptor with <paramref name="loop"/>.</summary>
    internal void Register(EpollSocket socket, Loop loop, int fd)
    {
        lock (_slotsGate)
        {
            if (!_freeSlots.TryPop(out int slot))
            {
                slot = _usedSlots;
                if (slot == _slots.Length)
                {
                    var grown = new EpollSocket?[_slots.Length * 2];
                    Array.Copy(_slots, grown, _slots.Length);
                    Volatile.Write(ref _slots, grown);
                }
            }

            _usedSlots++;
            socket.Slot = slot;
            socket.Generation = ++_generation;
            Volatile.Write(ref _slots[slot], socket);
        }

        byte* ev = stackalloc byte[16];
        WriteEvent(ev, Interop.EPOLLIN | Interop.EPOLLOUT | Interop.EPOLLRDHUP | Interop.EPOLLET, (uint)socket.Slot | ((ulong)socket.Generation << 32));
        if (Interop.EpollCtl(loop.EpollFd, Interop.EPOLL_CTL_ADD, fd, ev) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            FreeSlot(socket);
            throw new SocketException((int)Interop.ToSocketError(errno));
        }
    }

    /// <summary>Removes the descriptor from its loop's epoll set and frees the slot (a late event then finds another generation, or nothing).</summary>
    internal void Deregister(EpollSocket socket, Loop loop, SafeSocketHandle handle, int fd)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            byte* ev = stackalloc byte[16];
            // Fails only if the descriptor was closed already (then the kernel dropped it from the set itself).
            _ = Interop.EpollCtl(loop.EpollFd, Interop.EPOLL_CTL_DEL, fd, ev);
        }
        catch (ObjectDisposedException)
        {
            // Closed: the kernel removed it from the epoll set when it closed.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        FreeSlot(socket);
    }

    private void FreeSlot(EpollSocket socket)
    {
        lock (_slotsGate)
        {
            if (ReferenceEquals(_slots[socket.Slot], socket))
            {
                Volatile.Write(ref _slots[socket.Slot], null);
                _freeSlots.Push(socket.Slot);
                _usedSlots--;
            }
        }
    }

    /// <summary>The socket an event's data names, if it is still registered.</summary>
    private EpollSocket? Find(ulong data)
    {
        var slots = Volatile.Read(ref _slots);
        uint slot = (uint)data;
        if (slot >= (uint)slots.Length)
        {
            return null;
        }

        var socket = Volatile.Read(ref slots[slot]);
        return socket is not null && socket.Generation == (uint)(data >> 32) ? socket : null;
    }

    private static void WriteEvent(byte* ev, uint events, ulong data)
    {
        Unsafe.WriteUnaligned(ev, events);
        Unsafe.WriteUnaligned(ev + Interop.EpollDataOffset, data);
    }

    /// <summary>One epoll instance and the thread that waits on it.</summary>
    internal sealed class Loop
    {
        private readonly EpollEngine _engine;
        private readonly int _eventFd;
        private readonly Thread _thread;
        private byte* _events;

        public Loop(EpollEngine engine, int index)
        {
            _engine = engine;
            EpollFd = Interop.EpollCreate1(Interop.EPOLL_CLOEXEC);
            if (EpollFd < 0)
            {
                throw new SocketException((int)Interop.ToSocketError(Marshal.GetLastPInvokeError()));
            }

            _eventFd = Interop.EventFd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
            if (_eventFd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Interop.Close(EpollFd);
                throw new SocketException((int)Interop.ToSocketError(errno));
            }

            byte* ev = stackalloc byte[16];
            WriteEvent(ev, Interop.EPOLLIN, StopKey);
            if (Interop.EpollCtl(EpollFd, Interop.EPOLL_CTL_ADD, _eventFd, ev) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Interop.Close(_eventFd);
                Interop.Close(EpollFd);
                throw new SocketException((int)Interop.ToSocketError(errno));
            }

            _events = (byte*)NativeMemory.Alloc((nuint)(BatchSize * Interop.EpollEventSize));
            _thread = new Thread(Run) { IsBackground = true, Name = $"EdgeKit epoll {index}" };
            _thread.UnsafeStart();
        }

        /// <summary>The epoll instance's descriptor.</summary>
        public int EpollFd { get; }

        /// <summary>Wakes the loop through its eventfd and waits for its thread to end, then frees what it holds.</summary>
        public void Stop()
        {
            if (_events is null)
            {
                return;
            }

            ulong one = 1;
            _ = Interop.Write(_eventFd, (byte*)&one, sizeof(ulong));
            if (Thread.CurrentThread != _thread)
            {
                _thread.Join();
                Interop.Close(_eventFd);
                Interop.Close(EpollFd);
                NativeMemory.Free(_events);
                _events = null;
            }
        }

        private void Run()
        {
            byte* events = _events;
            int size = Interop.EpollEventSize;
            int dataOffset = Interop.EpollDataOffset;
            while (true)
            {
                int count = Interop.EpollWait(EpollFd, events, BatchSize, -1);
                if (count < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Interop.EINTR)
                    {
                        continue;
                    }

                    throw new SocketException((int)Interop.ToSocketError(errno));
                }

                bool stop = false;
                for (int i = 0; i < count; i++)
                {
                    byte* ev = events + (i * size);
                    ulong data = Unsafe.ReadUnaligned<ulong>(ev + dataOffset);
                    if (data == StopKey)
                    {
                        stop = true;
                        continue;
                    }

                    _engine.Find(data)?.OnEvents(Unsafe.ReadUnaligned<uint>(ev));
                }

                if (stop)
                {
                    return;
                }
            }
        }
    }
}
