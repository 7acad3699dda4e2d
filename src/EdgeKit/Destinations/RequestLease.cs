using System.Diagnostics;
using EdgeKit.Telemetry;

namespace EdgeKit.Destinations;

/// <summary>
/// One request (one attempt) to one destination, from <see cref="Cluster.Begin"/> to <see cref="Complete"/>: the
/// lifecycle every transport runs, so that in-flight counts, latency, outlier detection, metrics and spans mean the same
/// whichever transport sent the request (EdgeKit's <c>BalancingHandler</c>, the gateway's forwarder and tunnels, or your own).
/// </summary>
/// <remarks>
/// <para>The lifecycle:</para>
/// <code>
/// var destination = cluster.Pick(in context);            // null: no destination available
/// var lease = cluster.Begin(destination);                  // in flight +1, clock and span started
/// var response = await transport.SendAsync(...);
/// lease = lease.HeadersReceived();                         // the duration ends here (a tunnel: at its 101)
/// ...                                                      // read the body, run the tunnel
/// lease.Complete(RequestOutcomes.FromStatusCode(status), status, errorType);   // exactly once
/// </code>
/// <para><see cref="Complete"/> takes the request out of the destination's in-flight count, records its latency (the
/// peak-EWMA estimate and the percentiles) and its outcome (consecutive failures, outlier detection), counts it in
/// <c>edgekit.balancer.requests</c> and <c>edgekit.balancer.request.duration</c> and ends the span. The duration is the
/// time from <see cref="Cluster.Begin"/> to <see cref="HeadersReceived"/>, or to <see cref="Complete"/> when no response
/// headers arrived (a failure or a cancellation): reading a body or running a tunnel never counts as the destination's
/// latency.</para>
/// <para>A lease is a small value: beginning and completing one neither locks nor allocates (with no listener; a span,
/// when something listens to EdgeKit's activity source, is the listener's cost). Complete each lease exactly once: a
/// lease that is never completed leaves the destination one request busier for good; completing a copy twice counts
/// the request twice.</para>
/// </remarks>
public readonly struct RequestLease
{
    /// <summary>The name of the span of a request begun without a route (the client side, a custom transport).</summary>
    public const string BalanceSpanName = "edgekit.balance";

    /// <summary>The name of the span of a request begun with a gateway route.</summary>
    public const string ForwardSpanName = "edgekit.forward";

    /// <summary>
    /// The name of the span of one attempt of a gateway request that its route retries or hedges: a child of the
    /// request's <see cref="ForwardSpanName"/> span, one per attempt (an attempt begun with a route through
    /// <c>AttemptLane.Begin</c>).
    /// </summary>
    public const string AttemptSpanName = "edgekit.forward.attempt";

    /// <summary>The tag that names the gateway route on the metrics and span of a request begun with one.</summary>
    public const string RouteTag = "edgekit.route";

    private readonly Cluster? _cluster;
    private readonly DestinationState? _destination;
    private readonly string? _route;
    private readonly Activity? _activity;
    private readonly long _start;
    private readonly long _headers;
    private readonly bool _countedActive;

    internal RequestLease(Cluster cluster, DestinationState destination, string? route, Activity? activity, long start, long headers, bool countedActive)
    {
        _cluster = cluster;
        _destination = destination;
        _route = route;
        _activity = activity;
        _start = start;
        _headers = headers;
        _countedActive = countedActive;
    }

    /// <summary>The cluster the request belongs to; <see langword="null"/> for a <see langword="default"/> lease.</summary>
    public Cluster? Cluster => _cluster;

    /// <summary>The destination the request was sent to; <see langword="null"/> for a <see langword="default"/> lease.</summary>
    public DestinationState? Destination => _destination;

    /// <summary>The gateway route that forwards the request, if any.</summary>
    public string? Route => _route;

    /// <summary>
    /// The request's span (<see cref="BalanceSpanName"/> or <see cref="ForwardSpanName"/>), when something listens to
    /// EdgeKit's activity source; a transport's own span for the call becomes its child when started while it is current.
    /// </summary>
    public Activity? Activity => _activity;

    /// <summary>When the request began: a <see cref="TimeProvider.GetTimestamp"/> value of the cluster's clock.</summary>
    public long StartTimestamp => _start;

    /// <summary>When the response's headers arrived (a timestamp of the cluster's clock); 0 until <see cref="HeadersReceived"/>.</summary>
    public long HeadersTimestamp => _headers;

    /// <summary>Whether this lease was begun (a <see langword="default"/> lease was not, and cannot be completed).</summary>
    public bool IsActive => _destination is not null;

    /// <summary>
    /// Marks the arrival of the response's headers (a tunnel's <c>101</c>), where the request's duration ends. Returns
    /// the lease to complete; this one is unchanged. Calling it again keeps the first time.
    /// </summary>
    /// <returns>A copy of this lease that carries the time of the headers.</returns>
    /// <exception cref="InvalidOperationException">The lease was not begun (it is <see langword="default"/>).</exception>
    public RequestLease HeadersReceived()
    {
        var cluster = _cluster ?? throw NotBegun();
        return _headers != 0
            ? this
            : new RequestLease(cluster, _destination!, _route, _activity, _start, cluster.Environment.TimeProvider.GetTimestamp(), _countedActive);
    }

    /// <summary>
    /// Ends the request and reports it: the destination's in-flight count, latency and outcome (for outlier detection),
    /// EdgeKit's request metrics and the span. Call it exactly once per lease.
    /// </summary>
    /// <param name="outcome">
    /// How the request ended for the destination: <see cref="RequestOutcome.Failure"/> for a transport failure, a timeout
    /// or a 5xx status (see <see cref="RequestOutcomes.FromStatusCode"/>); <see cref="RequestOutcome.Cancelled"/> when the
    /// caller gave up, which says nothing about the destination and records no latency.
    /// </param>
    /// <param name="statusCode">The response's status code; 0 when no response arrived (outlier detection counts that as a gateway failure, like 502, 503 and 504).</param>
    /// <param name="errorType">
    /// The <c>error.type</c> of a failure, one of <see cref="RequestErrorTypes"/>' values; when <see langword="null"/>, a
    /// failure with a status records the status (<c>"503"</c>) and one without records <see cref="RequestErrorTypes.Other"/>.
    /// Ignored unless <paramref name="outcome"/> is <see cref="RequestOutcome.Failure"/>.
    /// </param>
    /// <exception cref="InvalidOperationException">The lease was not begun (it is <see langword="default"/>).</exception>
    public void Complete(RequestOutcome outcome, int statusCode = 0, string? errorType = null)
    {
        var cluster = _cluster ?? throw NotBegun();
        var destination = _destination!;
        var time = cluster.Environment.TimeProvider;
        long end = _headers != 0 ? _headers : time.GetTimestamp();
        long elapsed = end - _start;
        destination.EndRequest(end, elapsed, outcome, statusCode, outcome == RequestOutcome.Failure && RequestErrorTypes.IsUnreachable(errorType));

        if (_countedActive)
        {
            EdgeKitMetrics.ActiveRequests.Add(-1, EdgeKitMetrics.DestinationTags(cluster.Name, destination.Id));
        }

        string? failure = outcome == RequestOutcome.Failure
            ? errorType ?? (statusCode != 0 ? RequestErrorTypes.FromStatusCode(statusCode) : RequestErrorTypes.Other)
            : null;
        if (EdgeKitMetrics.Requests.Enabled || EdgeKitMetrics.RequestDuration.Enabled)
        {
            var tags = EdgeKitMetrics.DestinationTags(cluster.Name, destination.Id);
            if (_route is not null)
            {
                tags.Add(RouteTag, _route);
            }

            tags.Add(EdgeKitTags.Outcome, RequestOutcomes.Name(outcome));
            if (statusCode != 0)
            {
                tags.Add(EdgeKitTags.StatusCode, EdgeKitTags.StatusCodeValue(statusCode));
            }

            if (failure is not null)
            {
                tags.Add(EdgeKitTags.ErrorType, failure);
            }

            EdgeKitMetrics.Requests.Add(1, tags);
            EdgeKitMetrics.RequestDuration.Record((double)elapsed / time.TimestampFrequency, tags);
        }

        if (_activity is { } activity)
        {
            if (statusCode != 0)
            {
                activity.SetTag(EdgeKitTags.StatusCode, EdgeKitTags.StatusCodeValue(statusCode));
            }

            if (failure is not null)
            {
                activity.SetTag(EdgeKitTags.ErrorType, failure);
                activity.SetStatus(ActivityStatusCode.Error, failure);
            }

            activity.Dispose();
        }
    }

    /// <summary>Begins a request; see <see cref="Cluster.Begin"/>.</summary>
    /// <param name="cluster">The cluster.</param>
    /// <param name="destination">The destination picked.</param>
    /// <param name="route">The gateway route, if any.</param>
    /// <param name="spanName">The span's name; by default <see cref="ForwardSpanName"/> with a route, else <see cref="BalanceSpanName"/>.</param>
    internal static RequestLease Begin(Cluster cluster, DestinationState destination, string? route, string? spanName = null)
    {
        long start = cluster.Environment.TimeProvider.GetTimestamp();
        destination.BeginRequest();

        // Remembered so that the -1 goes out only if the +1 did: a listener that starts (or stops) while requests are
        // in flight must not see the count drift.
        bool countedActive = EdgeKitMetrics.ActiveRequests.Enabled;
        if (countedActive)
        {
            EdgeKitMetrics.ActiveRequests.Add(1, EdgeKitMetrics.DestinationTags(cluster.Name, destination.Id));
        }

        Activity? activity = null;
        if (EdgeKitTelemetry.ActivitySource.HasListeners())
        {
            activity = EdgeKitTelemetry.ActivitySource.StartActivity(spanName ?? (route is null ? BalanceSpanName : ForwardSpanName), ActivityKind.Internal);
            if (activity is not null)
            {
                if (route is not null)
                {
                    activity.SetTag(RouteTag, route);
                }

                activity.SetTag(EdgeKitTags.Cluster, cluster.Name);
                activity.SetTag(EdgeKitTags.Destination, destination.Id);
            }
        }

        return new RequestLease(cluster, destination, route, activity, start, headers: 0, countedActive);
    }

    private static InvalidOperationException NotBegun() =>
        new("This RequestLease was not begun: get one from Cluster.Begin (a default lease has no destination).");
}
