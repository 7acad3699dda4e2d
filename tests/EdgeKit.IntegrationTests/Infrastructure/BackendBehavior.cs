namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>How a <see cref="BackendInstance"/> answers the requests it receives.</summary>
internal enum BackendBehavior
{
    /// <summary>200 with a <see cref="BackendEcho"/> body.</summary>
    Respond,

    /// <summary>500 with a <see cref="BackendEcho"/> body.</summary>
    Fail500,

    /// <summary>503 with a <see cref="BackendEcho"/> body.</summary>
    Fail503,

    /// <summary>Aborts the connection without answering.</summary>
    Abort,

    /// <summary>Holds the request until <see cref="BackendInstance.ReleaseHeldRequests"/> or the client goes away, then responds 200.</summary>
    Hold,
}
