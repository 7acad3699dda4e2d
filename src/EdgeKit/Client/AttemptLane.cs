namespace EdgeKit.Client;

/// <summary>
/// What sends one attempt of a request for EdgeKit's resilience pipeline: it picks a destination (avoiding those in
/// <see cref="AttemptLane.Attempts"/>), runs the request lifecycle (<c>Cluster.Begin</c> … <c>RequestLease.Complete</c>)
/// and records a failed destination for the next attempt. The <see cref="BalancingHandler"/> on the client side, the
/// gateway's forwarder on the other.
/// </summary>
internal interface IAttemptSender
{
    /// <summary>Sends one attempt of <paramref name="lane"/>'s request.</summary>
    Task<HttpResponseMessage> SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken);
}

/// <summary>
/// One line of attempts of a request, as EdgeKit's resilience handler hands it to the <see cref="BalancingHandler"/>:
/// the request itself and its retries, or one hedged copy. It carries the request's shared
/// <see cref="RequestAttempts"/> and the channel through which the balancer tells a per-attempt timeout from
/// a cancellation.
/// </summary>
/// <remarks>
/// <para>The balancer sees only the attempt's cancellation token. When it is cancelled, the attempt either timed
/// out (the destination is slow: a failure), or something outside the attempt cancelled it (the caller, the total
/// timeout, or hedging cancelling a slower copy: not the destination's fault). The attempt-timeout strategy records,
/// before each attempt, the token it was given (<see cref="ArmTimeout"/>); its own token is linked to that one. So the
/// attempt's token cancelled while the outer one is not can only be the attempt timeout — the same rule Polly's
/// timeout strategy applies when it decides to throw <c>TimeoutRejectedException</c>, which it does only after the
/// attempt has ended, too late for the balancer.</para>
/// <para>Attempts of one lane run one after another, so its fields need no synchronisation beyond the ordering
/// that awaiting the attempt gives.</para>
/// </remarks>
internal sealed class AttemptLane
{
    private CancellationToken _outerToken;
    private bool _timeoutArmed;

    public AttemptLane(HttpRequestMessage request, RequestAttempts attempts)
    {
        Request = request;
        Attempts = attempts;
    }

    /// <summary>The request this lane sends: the caller's, or a hedged copy of it.</summary>
    public HttpRequestMessage Request { get; }

    /// <summary>What all attempts of the logical request share.</summary>
    public RequestAttempts Attempts { get; }

    /// <summary>Called by the attempt-timeout strategy before each attempt with the token it was given.</summary>
    public void ArmTimeout(CancellationToken outerToken)
    {
        _outerToken = outerToken;
        _timeoutArmed = true;
    }

    /// <summary>
    /// Whether the cancellation of <paramref name="attemptToken"/> was this attempt's timeout: the attempt's token
    /// is cancelled and the token outside the attempt timeout is not.
    /// </summary>
    public bool IsAttemptTimeout(CancellationToken attemptToken) =>
        _timeoutArmed && attemptToken.IsCancellationRequested && !_outerToken.IsCancellationRequested;
}
