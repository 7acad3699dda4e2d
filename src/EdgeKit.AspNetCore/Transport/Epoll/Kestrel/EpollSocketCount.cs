namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>A count of open accepted sockets, shared by a factory's listeners and their connections.</summary>
internal sealed class EpollSocketCount
{
    /// <summary>The count (changed with <see cref="Interlocked"/>).</summary>
    public long Value;
}
