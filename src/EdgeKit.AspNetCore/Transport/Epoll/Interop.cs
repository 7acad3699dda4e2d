using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeKit.AspNetCore.Transport.Epoll;

/// <summary>The few libc calls the epoll engine makes (Linux only), and errno's mapping to <see cref="SocketError"/>.</summary>
internal static unsafe partial class Interop
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;

    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const uint EPOLLET = 0x80000000;

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    internal const int MSG_NOSIGNAL = 0x4000;

    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int EPIPE = 32;
    internal const int EADDRINUSE = 98;
    internal const int EADDRNOTAVAIL = 99;
    internal const int ENETDOWN = 100;
    internal const int ENETUNREACH = 101;
    internal const int ECONNABORTED = 103;
    internal const int ECONNRESET = 104;
    internal const int ENOBUFS = 105;
    internal const int EISCONN = 106;
    internal const int ENOTCONN = 107;
    internal const int ETIMEDOUT = 110;
    internal const int ECONNREFUSED = 111;
    internal const int EHOSTDOWN = 112;
    internal const int EHOSTUNREACH = 113;
    internal const int EALREADY = 114;
    internal const int EINPROGRESS = 115;

    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16 bytes).</summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    /// <summary>The offset of epoll_event's data in the struct.</summary>
    internal static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 4 : 8;

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* IoVectors;
        public nuint IoVectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    internal static partial nint SendMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    internal static partial int Connect(int fd, byte* address, int addressLength);

    /// <summary>Writes <paramref name="endPoint"/> as a native sockaddr_in / sockaddr_in6 into <paramref name="address"/> (28 bytes); its length.</summary>
    internal static int WriteSocketAddress(System.Net.IPEndPoint endPoint, Span<byte> address)
    {
        address.Clear();
        ushort port = (ushort)endPoint.Port;
        address[2] = (byte)(port >> 8);
        address[3] = (byte)port;
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(address, (ushort)AF_INET);
            endPoint.Address.TryWriteBytes(address.Slice(4, 4), out _);
            return 16;
        }

        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            BitConverter.TryWriteBytes(address, (ushort)AF_INET6);
            endPoint.Address.TryWriteBytes(address.Slice(8, 16), out _);
            BitConverter.TryWriteBytes(address.Slice(24, 4), (uint)endPoint.Address.ScopeId);
            return 28;
        }

        throw new ArgumentException($"The address family {endPoint.AddressFamily} is not supported by the epoll engine (IPv4 and IPv6 only).", nameof(endPoint));
    }

    /// <summary>errno as <see cref="SocketError"/>, the way .NET's sockets report it on Unix.</summary>
    internal static SocketError ToSocketError(int errno) => errno switch
    {
        EAGAIN => SocketError.WouldBlock,
        ECONNRESET => SocketError.ConnectionReset,
        EPIPE => SocketError.Shutdown,
        ECONNREFUSED => SocketError.ConnectionRefused,
        ETIMEDOUT => SocketError.TimedOut,
        EHOSTUNREACH => SocketError.HostUnreachable,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ECONNABORTED => SocketError.ConnectionAborted,
        EBADF => SocketError.OperationAborted,
        ENOTCONN => SocketError.NotConnected,
        EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        ENETDOWN => SocketError.NetworkDown,
        EHOSTDOWN => SocketError.HostDown,
        ENOBUFS => SocketError.NoBufferSpaceAvailable,
        EISCONN => SocketError.IsConnected,
        EALREADY => SocketError.AlreadyInProgress,
        EINPROGRESS => SocketError.InProgress,
        EINTR => SocketError.Interrupted,
        _ => SocketError.SocketError,
    };
}
