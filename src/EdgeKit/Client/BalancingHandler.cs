using System.Runtime.CompilerServices;
using EdgeKit.Balancing;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Client;

/// <summary>
/// A <see cref="DelegatingHandler"/> that sends each request to a destination picked from a
/// <see cref="Cluster"/>: it rewrites the request URI's scheme, host and port (joining the destination's
/// path prefix before the request's path), tracks the destination's in-flight count and latency, and
/// reports every outcome to the destination's state.
/// </summary>
/// <remarks>
/// <para>Place it <em>inside</em> any retry or hedging handler (added after it in the
/// <see cref="Microsoft.Extensions.DependencyInjection.IHttpClientBuilder"/>, i.e. closer to the network) so that every attempt picks again.
/// EdgeKit's own resilience handler (<c>AddEdgeKitResilience()</c>) always sits directly outside it, whatever the
/// order of the calls. An attempt that failed (transport error, 5xx, 408 or 429) is remembered for the request,
/// and the next attempt of the same request avoids that destination while another is available.</para>
/// <para>Under EdgeKit's resilience handler the memory is shared by every attempt of the request, hedged copies
/// included, and hedged copies also avoid the destinations the others are in flight on; an attempt cut off by its
/// per-attempt timeout counts as a failure of the destination (a gateway failure, for outlier detection), while a
/// cancellation by the caller, the total timeout or a winning hedged copy counts for nothing. Under other resilience
/// handlers (Microsoft.Extensions.Http.Resilience) a cancelled attempt cannot be told from a timeout: it is not counted
/// against the destination, but it is remembered so that a retry avoids it; and a hedged copy, being a different
/// <see cref="HttpRequestMessage"/>, knows nothing of the other attempts.</para>
/// <para>After a failed or rejected attempt (an exception or a status of 400 and above) the request's
/// URI is set back to the logical one (for example <c>http://orders/items</c>); after a success it keeps
/// the destination's address, so <c>response.RequestMessage.RequestUri</c> tells which destination served.</para>
/// </remarks>
public sealed class BalancingHandler : DelegatingHandler, IAttemptSender
{
    private static readonly ConditionalWeakTable<HttpRequestMessage, RequestAttempts> s_attempts = new();

    private readonly ILogger _logger;

    /// <summary>Creates a handler for <paramref name="cluster"/>; set <see cref="DelegatingHandler.InnerHandler"/> before use.</summary>
    /// <param name="cluster">The cluster whose destinations receive the requests.</param>
    public BalancingHandler(Cluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        Cluster = cluster;
        _logger = cluster.Environment.LoggerFactory.CreateLogger<BalancingHandler>();
    }

    /// <summary>Creates a handler for <paramref name="cluster"/> in front of <paramref name="innerHandler"/>.</summary>
    /// <param name="cluster">The cluster whose destinations receive the requests.</param>
    /// <param name="innerHandler">The handler that sends to the network, typically a <see cref="SocketsHttpHandler"/>.</param>
    public BalancingHandler(Cluster cluster, HttpMessageHandler innerHandler)
        : this(cluster)
    {
        InnerHandler = innerHandler;
    }

    /// <summary>The cluster whose destinations receive the requests.</summary>
    public Cluster Cluster { get; }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendCoreAsync(request, lane: null, cancellationToken);
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendCore(request, lane: null, cancellationToken);
    }

    /// <summary>Sends one attempt of a request for EdgeKit's resilience handler, which sits directly outside this handler.</summary>
    internal Task<HttpResponseMessage> SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken) =>
        SendCoreAsync(lane.Request, lane, cancellationToken);

    Task<HttpResponseMessage> IAttemptSender.SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken) =>
        SendAttemptAsync(lane, cancellationToken);

    /// <summary>The synchronous counterpart of <see cref="SendAttemptAsync"/>.</summary>
    internal HttpResponseMessage SendAttempt(AttemptLane lane, CancellationToken cancellationToken) =>
        SendCore(lane.Request, lane, cancellationToken);

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, AttemptLane? lane, CancellationToken cancellationToken)
    {
        var attempt = Begin(request, lane);
        Task<HttpResponseMessage> task;
        try
        {
            task = base.SendAsync(request, cancellationToken);
        }
        catch (Exception ex)
        {
            Complete(in attempt, request, response: null, ex, cancellationToken);
            throw;
        }

        if (task.IsCompletedSuccessfully)
        {
            Complete(in attempt, request, task.Result, exception: null, cancellationToken);
            return task;
        }

        return AwaitCompletion(task, attempt, request, cancellationToken);
    }

    private HttpResponseMessage SendCore(HttpRequestMessage request, AttemptLane? lane, CancellationToken cancellationToken)
    {
        var attempt = Begin(request, lane);
        HttpResponseMessage response;
        try
        {
            response = base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            Complete(in attempt, request, response: null, ex, cancellationToken);
            throw;
        }

        Complete(in attempt, request, response, exception: null, cancellationToken);
        return response;
    }

    private async Task<HttpResponseMessage> AwaitCompletion(Task<HttpResponseMessage> task, Attempt attempt, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Complete(in attempt, request, response: null, ex, cancellationToken);
            throw;
        }

        Complete(in attempt, request, response, exception: null, cancellationToken);
        return response;
    }

    private Attempt Begin(HttpRequestMessage request, AttemptLane? lane)
    {
        var cluster = Cluster;
        if (lane is not null && lane.Attempts.Cluster is { } pipelineCluster && !ReferenceEquals(pipelineCluster, cluster))
        {
            throw new InvalidOperationException(
                $"EdgeKit cluster '{cluster.Name}': this BalancingHandler was given an attempt of a resilience pipeline of cluster '{pipelineCluster.Name}'. A pipeline's attempts go to its own cluster: create the pipeline for the handler's cluster (BalancingHandler.Cluster).");
        }

        var record = lane?.Attempts;
        if (record is null)
        {
            s_attempts.TryGetValue(request, out record);
        }

        var logical = record?.LogicalUri ?? request.RequestUri
            ?? throw new InvalidOperationException(
                $"EdgeKit cluster '{cluster.Name}': the request has no URI. Set HttpClient.BaseAddress (for example http://{cluster.Name}/) or an absolute request URI.");
        if (!logical.IsAbsoluteUri)
        {
            throw new InvalidOperationException(
                $"EdgeKit cluster '{cluster.Name}': the request URI '{logical}' is relative. Set HttpClient.BaseAddress (for example http://{cluster.Name}/) or use an absolute URI.");
        }

        var snapshot = cluster.Snapshot;
        string? key = snapshot.UsesRequestKey ? RequestKeyReader.Read(request, snapshot.LoadBalancing.RequestKey) : null;
        var context = new PickContext(cluster.Environment.TimeProvider.GetTimestamp(), key, record?.Excluded);
        var destination = cluster.Pick(in context);
        if (destination is null)
        {
            EdgeKitLog.NoAvailableDestination(_logger, cluster.Name, snapshot.AllDestinations.Length);
            throw new NoAvailableDestinationException(cluster.Name, cluster.Snapshot.AllDestinations.Length);
        }

        request.RequestUri = destination.Rewrite(logical);
        // Under EdgeKit's resilience pipeline the lane runs the lifecycle (in flight for hedging, timeouts, failures).
        return new Attempt(lane is null ? cluster.Begin(destination) : lane.Begin(destination), logical, lane);
    }

    private static void Complete(in Attempt attempt, HttpRequestMessage request, HttpResponseMessage? response, Exception? exception, CancellationToken cancellationToken)
    {
        int status = response is null ? 0 : (int)response.StatusCode;
        if (attempt.Lane is { } lane)
        {
            // The one implementation of an attempt's end: outcome, error.type, in-flight, attempt timeout, failed destination.
            lane.Complete(attempt.Lease, status, exception, cancellationToken);
        }
        else
        {
            CompleteWithoutLane(in attempt, request, response is not null, status, exception, cancellationToken);
        }

        if (exception is not null || status >= 400)
        {
            // Another attempt may follow: it must see the logical URI.
            request.RequestUri = attempt.Logical;
        }
    }

    /// <summary>
    /// Ends an attempt sent without EdgeKit's resilience pipeline (no lane): a retry of another handler can only be told
    /// the destinations that failed through the request itself, so they are remembered beside it.
    /// </summary>
    private static void CompleteWithoutLane(in Attempt attempt, HttpRequestMessage request, bool answered, int status, Exception? exception, CancellationToken cancellationToken)
    {
        // The handler returns at the response's headers: its body is read later, by the caller.
        var lease = answered ? attempt.Lease.HeadersReceived() : attempt.Lease;
        var end = RequestAttempts.Classify(exception, status, lane: null, cancellationToken);
        // Status 0: a transport failure or a cancellation (no attempt timeout without the pipeline).
        lease.Complete(end.Outcome, status, end.ErrorType);
        if (end.Failed)
        {
            if (!s_attempts.TryGetValue(request, out var record))
            {
                record = s_attempts.GetOrAdd(request, new RequestAttempts(attempt.Logical));
            }

            record.AddFailed(lease.Destination!);
        }
    }

    private readonly record struct Attempt(RequestLease Lease, Uri Logical, AttemptLane? Lane);
}
