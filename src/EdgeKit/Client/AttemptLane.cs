using EdgeKit.Destinations;

namespace EdgeKit.Client;

/// <summary>
/// What sends one attempt of a request for EdgeKit's resilience pipeline (<c>EdgeKitResiliencePipeline.SendAsync</c>):
/// EdgeKit's <see cref="BalancingHandler"/> on the client side, the gateway's forwarder, or a transport of your own.
/// </summary>
/// <remarks>
/// <para>The pipeline calls <see cref="SendAttemptAsync"/> once per attempt: the first, each retry, and each hedged
/// copy (those run side by side, so an implementation must allow concurrent calls for one request). An attempt picks a
/// destination avoiding <see cref="AttemptLane.ExcludedDestinations"/>, runs the request lifecycle through the lane
/// (<see cref="AttemptLane.Begin"/>, then <see cref="AttemptLane.Complete"/> or <see cref="AttemptLane.Detach"/>),
/// and returns the response or throws what the transport threw: the pipeline decides whether to try again.</para>
/// </remarks>
public interface IAttemptSender
{
    /// <summary>Sends one attempt of <paramref name="lane"/>'s request (<see cref="AttemptLane.Request"/>).</summary>
    /// <param name="lane">The attempt's lane: its request, the destinations to avoid and the lifecycle to run.</param>
    /// <param name="cancellationToken">The attempt's token: cancelled by its per-attempt timeout, the total timeout, the caller, or a hedged copy that won.</param>
    /// <returns>The response. The pipeline disposes the responses it does not return to its caller.</returns>
    Task<HttpResponseMessage> SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken);
}

/// <summary>
/// One line of attempts of a request run by EdgeKit's resilience pipeline: the request itself and its retries, or one
/// hedged copy. It hands each attempt its request and the destinations to avoid, and runs each attempt's lifecycle so that
/// what the attempts of one request learn is shared: a destination that failed is avoided by the next attempt, a hedged
/// copy goes where no other attempt is in flight, and an attempt cut off by its per-attempt timeout counts against its
/// destination while a cancellation from outside does not.
/// </summary>
/// <remarks>
/// <para>An attempt of an <see cref="IAttemptSender"/>:</para>
/// <code>
/// var destination = cluster.Pick(new PickContext(timestamp, requestKey, lane.ExcludedDestinations));
/// var lease = lane.Begin(destination);                 // the request lifecycle's lease, in flight for the request
/// try { response = await transport.SendAsync(lane.Request, ...); }
/// catch (Exception ex) { lane.Complete(lease, 0, ex, cancellationToken); throw; }
/// lane.Complete(lease, (int)response.StatusCode, null, cancellationToken);
/// return response;
/// </code>
/// <para>Each lease begun with <see cref="Begin"/> ends with exactly one <see cref="Complete"/> or <see cref="Detach"/>.</para>
/// <para>The pipeline's attempt-timeout strategy records, before each attempt, the token outside the attempt timeout
/// (<see cref="ArmTimeout"/>); the attempt's own token is linked to it. So the attempt's token cancelled while the outer
/// one is not can only be the attempt timeout — the same rule Polly's timeout strategy applies when it decides to throw
/// <c>TimeoutRejectedException</c>, which it does only after the attempt has ended, too late for the transport.</para>
/// <para>Attempts of one lane run one after another, so its fields need no synchronisation beyond the ordering that
/// awaiting the attempt gives; hedged copies each have their own lane.</para>
/// </remarks>
public sealed class AttemptLane
{
    private CancellationToken _outerToken;
    private bool _timeoutArmed;

    internal AttemptLane(HttpRequestMessage request, RequestAttempts attempts)
    {
        Request = request;
        Attempts = attempts;
    }

    /// <summary>The request this lane sends: the caller's, or a hedged copy of it (addressed to the request's logical URI).</summary>
    public HttpRequestMessage Request { get; }

    /// <summary>
    /// The destinations the next attempt should avoid while another is available, to pass to
    /// <see cref="Balancing.PickContext"/>: those an attempt of this request failed on, and, for a hedged request, those
    /// another attempt is in flight on. <see langword="null"/> when none.
    /// </summary>
    public IReadOnlyList<DestinationState>? ExcludedDestinations => Attempts.Excluded;

    /// <summary>What all attempts of the logical request share.</summary>
    internal RequestAttempts Attempts { get; }

    /// <summary>
    /// Begins an attempt on <paramref name="destination"/>: the request lifecycle's lease (<see cref="Cluster.Begin"/>;
    /// with a <paramref name="route"/>, its span is <see cref="RequestLease.AttemptSpanName"/>), and, for a hedged
    /// request, the destination counted as one an attempt is in flight on.
    /// </summary>
    /// <param name="destination">The destination picked for the attempt, one of the pipeline's cluster.</param>
    /// <param name="route">The gateway route that forwards the request, if any (a tag of the metrics and span).</param>
    /// <returns>The lease; end it with exactly one <see cref="Complete"/> or <see cref="Detach"/> of this lane.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The lane does not belong to a resilience pipeline's request.</exception>
    public RequestLease Begin(DestinationState destination, string? route = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var attempts = Attempts;
        var cluster = attempts.Cluster ?? throw NotOfPipeline();
        var lease = RequestLease.Begin(cluster, destination, route, route is null ? null : RequestLease.AttemptSpanName);
        if (attempts.TracksInFlight)
        {
            attempts.AddInFlight(destination);
        }

        return lease;
    }

    /// <summary>
    /// Ends an attempt begun with <see cref="Begin"/> and reports it: completes its lease with the outcome and
    /// <c>error.type</c> EdgeKit gives it (<see cref="RequestOutcomes.FromStatusCode"/>, <see cref="RequestErrorTypes.FromException"/>;
    /// the attempt timeout is a <see cref="RequestErrorTypes.Timeout"/> failure, another cancellation is
    /// <see cref="RequestOutcome.Cancelled"/>), remembers a failed destination (a transport failure, a timeout, 5xx, 408
    /// or 429) so that the next attempt avoids it, and counts an attempt its per-attempt timeout cut off
    /// (<c>edgekit.resilience.attempt_timeouts</c>).
    /// </summary>
    /// <param name="lease">The attempt's lease. When <paramref name="statusCode"/> is set and the lease has no headers time
    /// yet, the duration ends now (<see cref="RequestLease.HeadersReceived"/>).</param>
    /// <param name="statusCode">The response's status code; 0 when no response arrived.</param>
    /// <param name="exception">What the transport threw; <see langword="null"/> when a response arrived.</param>
    /// <param name="cancellationToken">The attempt's token, as <see cref="IAttemptSender.SendAttemptAsync"/> received it.</param>
    /// <exception cref="ArgumentException"><paramref name="lease"/> was not begun on this lane's cluster (it is <see langword="default"/>, or of another cluster).</exception>
    public void Complete(RequestLease lease, int statusCode, Exception? exception, CancellationToken cancellationToken)
    {
        var attempts = Attempts;
        var destination = CheckLease(lease, attempts);
        if (exception is not null)
        {
            statusCode = 0;
        }
        else if (statusCode != 0)
        {
            lease = lease.HeadersReceived();
        }

        var end = RequestAttempts.Classify(exception, statusCode, this, cancellationToken);
        lease.Complete(end.Outcome, statusCode, end.ErrorType);
        if (attempts.TracksInFlight)
        {
            attempts.RemoveInFlight(destination);
        }

        if (end.TimedOut)
        {
            var cluster = attempts.Cluster!;
            RequestAttempts.RecordAttemptTimeout(attempts.Logger!, cluster.Name, destination, cluster.Environment.TimeProvider.GetElapsedTime(lease.StartTimestamp));
        }

        if (end.Failed)
        {
            attempts.AddFailed(destination);
        }
    }

    /// <summary>
    /// Ends an attempt begun with <see cref="Begin"/> for the request without completing its lease: the attempt answered
    /// with a response the pipeline will not retry (<c>EdgeKitResiliencePipeline.IsRetryableStatus</c> is false) and the
    /// caller completes the lease itself later, for example once it has passed the body on. The destination no longer
    /// counts as one an attempt of the request is in flight on.
    /// </summary>
    /// <param name="lease">The attempt's lease, still to be completed by the caller (exactly once).</param>
    /// <exception cref="ArgumentException"><paramref name="lease"/> was not begun on this lane's cluster (it is <see langword="default"/>, or of another cluster).</exception>
    public void Detach(RequestLease lease)
    {
        var attempts = Attempts;
        var destination = CheckLease(lease, attempts);
        if (attempts.TracksInFlight)
        {
            attempts.RemoveInFlight(destination);
        }
    }

    /// <summary>Called by the attempt-timeout strategy before each attempt with the token it was given.</summary>
    internal void ArmTimeout(CancellationToken outerToken)
    {
        _outerToken = outerToken;
        _timeoutArmed = true;
    }

    /// <summary>
    /// Whether the cancellation of <paramref name="attemptToken"/> was this attempt's timeout: the attempt's token
    /// is cancelled and the token outside the attempt timeout is not.
    /// </summary>
    internal bool IsAttemptTimeout(CancellationToken attemptToken) =>
        _timeoutArmed && attemptToken.IsCancellationRequested && !_outerToken.IsCancellationRequested;

    private static DestinationState CheckLease(in RequestLease lease, RequestAttempts attempts)
    {
        var cluster = attempts.Cluster ?? throw NotOfPipeline();
        if (lease.Destination is not { } destination || !ReferenceEquals(lease.Cluster, cluster))
        {
            throw new ArgumentException(
                $"The lease was not begun for this attempt: get it from AttemptLane.Begin (EdgeKit cluster '{cluster.Name}').", nameof(lease));
        }

        return destination;
    }

    private static InvalidOperationException NotOfPipeline() =>
        new("This attempt lane does not belong to a request of EdgeKit's resilience pipeline; only the lanes it hands to IAttemptSender.SendAttemptAsync run attempts.");
}
