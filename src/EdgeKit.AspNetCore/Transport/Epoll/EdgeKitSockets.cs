namespace EdgeKit.AspNetCore.Transport.Epoll;

/// <summary>
/// The process-wide opt-in to EdgeKit's own socket engine (<see cref="EpollEngine"/>): set once by the host, before the
/// first connection. Off by default: nothing changes for a host that does not opt in.
/// </summary>
internal static class EdgeKitSockets
{
    /// <summary>
    /// Cleartext backend connections of EdgeKit's HTTP/1.1 transport run on <see cref="EpollEngine.Shared"/> when this is
    /// set and <see cref="EpollEngine.IsSupported"/> (elsewhere they keep .NET's sockets).
    /// </summary>
    internal static bool BackendEnabled { get; set; }

    /// <summary>Whether a connection pool made now puts its cleartext connections on the engine.</summary>
    internal static bool UseForBackend => BackendEnabled && EpollEngine.IsSupported;
}
