namespace EdgeKit.Destinations;

/// <summary>
/// Receives what a destination's requests report, for passive health (outlier detection). Declared here and set on each
/// <see cref="DestinationState"/> by its cluster, so that the request path reports outcomes without knowing who judges them.
/// </summary>
internal interface IDestinationOutcomeObserver
{
    /// <summary>Called on the request path after each failed request to <paramref name="destination"/>, with its current runs of failures.</summary>
    /// <param name="destination">The destination the request went to.</param>
    /// <param name="consecutive5xx">5xx statuses and transport failures in a row.</param>
    /// <param name="consecutiveGatewayFailures">Gateway failures (502, 503, 504, transport failures) in a row.</param>
    /// <param name="consecutiveUnreachable">Requests in a row that never reached the destination (connection refused or unreachable).</param>
    void OnFailure(DestinationState destination, int consecutive5xx, int consecutiveGatewayFailures, int consecutiveUnreachable);
}
