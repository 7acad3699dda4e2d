using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.Transport.Epoll.Kestrel;

/// <summary>The EdgeKit socket transport's log events (ids 1590–1599). Event ids are stable: never reuse or renumber one.</summary>
internal static partial class EpollTransportLog
{
    /// <summary>The logger category.</summary>
    public const string Category = "EdgeKit.AspNetCore.Transport.EdgeKitSockets";

    [LoggerMessage(EventId = 1590, EventName = "EdgeKitSocketsNotSupported", Level = LogLevel.Information,
        Message = "UseEdgeKitSockets: EdgeKit's epoll engine is not supported on this system (it needs Linux); Kestrel keeps its own socket transport and backend connections keep .NET's sockets.")]
    public static partial void NotSupported(ILogger logger);

    [LoggerMessage(EventId = 1591, EventName = "EdgeKitSocketsListening", Level = LogLevel.Debug,
        Message = "Listening on {EndPoint} with EdgeKit's socket transport (inline completions: {Inline}).")]
    public static partial void Listening(ILogger logger, System.Net.EndPoint endPoint, bool inline);

    [LoggerMessage(EventId = 1592, EventName = "EdgeKitSocketsConnectionReset", Level = LogLevel.Debug,
        Message = "Connection {ConnectionId}: reset by the client.")]
    public static partial void ConnectionReset(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 1593, EventName = "EdgeKitSocketsUnexpectedError", Level = LogLevel.Error,
        Message = "Connection {ConnectionId}: unexpected error in EdgeKit's socket transport.")]
    public static partial void UnexpectedError(ILogger logger, string connectionId, Exception exception);
}
