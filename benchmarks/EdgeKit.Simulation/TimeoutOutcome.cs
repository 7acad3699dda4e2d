
using EdgeKit.Destinations;

namespace EdgeKit.Simulation;

/// <summary>What the balancer is told when a request times out on the client.</summary>
public enum TimeoutOutcome
{
    /// <summary>
    /// <see cref="RequestOutcome.Failure"/> with the time waited (the timeout): the destination is charged
    /// the failure and the latency estimate sees at least the timeout.
    /// </summary>
    Failure = 0,

    /// <summary>
    /// <see cref="RequestOutcome.Cancelled"/>: nothing is learned about the destination except that the
    /// request left. This is how <c>BalancingHandler</c> classifies a timeout that reaches it as a cancelled
    /// token (<c>HttpClient.Timeout</c>, a Polly timeout outside the handler).
    /// </summary>
    Cancelled = 1,
}
