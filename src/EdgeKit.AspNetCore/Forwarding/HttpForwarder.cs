using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using EdgeKit.AspNetCore.Affinity;
using EdgeKit.AspNetCore.Balancing;
using EdgeKit.AspNetCore.Http;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.AspNetCore.Transport;
using EdgeKit.Balancing;
using EdgeKit.Client;
using EdgeKit.Destinations;
using EdgeKit.Resilience;
using EdgeKit.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Polly.Timeout;

namespace EdgeKit.AspNetCore.Forwarding;

/// <summary>
/// Forwards one request to a destination of the route's cluster and streams the answer back. Bodies are streamed in
/// both directions (never buffered), headers follow RFC 9110's proxy rules, and every failure becomes a clear status
/// with a problem+json body that names no backend.
/// </summary>
internal sealed class HttpForwarder
{
    /// <summary>
    /// How often, at most, the failures of one cluster are logged at warning level; the failures in between are counted
    /// and the next warning says how many there were (the metrics carry each one). An outage of a whole cluster then costs
    /// the gateway one log line per interval, not one per request.
    /// </summary>
    internal static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(10);

    private readonly ForwarderClusters _clusters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UpgradeForwarder _upgrades;
    private readonly ActivityTimeout.Pool _timeouts;

    public HttpForwarder(ForwarderClusters clusters, TimeProvider time, ILogger<HttpForwarder> logger)
    {
        _clusters = clusters;
        _time = time;
        _logger = logger;
        _upgrades = new UpgradeForwarder(logger);
        _timeouts = new ActivityTimeout.Pool(time);
    }

    /// <summary>The forwarder's logger, shared with the protocol translators that wrap it.</summary>
    public ILogger Logger => _logger;

    // Not async: the usual path hands back ForwardToAsync's task and the error paths GatewayProblem's, so no state
    // machine is allocated for this frame (measured: about 220 bytes per request, see benchmarks/gateway).
    public Task ForwardAsync(HttpContext context, GatewayRoute route, ForwarderSettings settings)
    {
        string clusterName = route.Options.Cluster!;
        if (!_clusters.TryGet(clusterName, out var forwarderCluster))
        {
            GatewayLog.ClusterNotFound(_logger, route.Id, clusterName);
            return GatewayProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, GatewayProblem.ClusterNotFound,
                "Service unavailable", "The route's service is not configured.");
        }

        if (context.Request.Protocol.Length != 8 /* "HTTP/1.1" and "HTTP/1.0": the usual case costs one comparison */
            && (HttpProtocol.IsHttp2(context.Request.Protocol) || HttpProtocol.IsHttp3(context.Request.Protocol))
            && HeaderRules.FindConnectionSpecificField(context.Request.Headers) is { } field)
        {
            GatewayLog.MalformedRequest(_logger, route.Id, field);
            return GatewayProblem.WriteAsync(context, StatusCodes.Status400BadRequest, GatewayProblem.MalformedRequest,
                "Malformed request", $"An {context.Request.Protocol} request must not carry the connection-specific field '{field.ToLowerInvariant()}'.");
        }

        if (route.Options.MaxRequestBodySize is { } maxBody)
        {
            if (context.Request.ContentLength > maxBody)
            {
                return GatewayProblem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, GatewayProblem.RequestBodyTooLarge,
                    "Request body too large", $"The request body may be at most {maxBody} bytes.");
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            {
                sizeFeature.MaxRequestBodySize = maxBody;
            }
        }

        var cluster = forwarderCluster.Cluster;
        var snapshot = cluster.Snapshot;
        DestinationState? destination = null;
        ClusterAffinity? rebind = null;
        if (settings.Affinity is { } affinities && affinities.TryGetValue(clusterName, out var affinity))
        {
            var lookup = affinity.Find(context, snapshot, out destination);
            if (lookup == AffinityLookup.Unavailable && affinity.Options.FailurePolicy == SessionAffinityFailurePolicy.Return503)
            {
                return GatewayProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, GatewayProblem.AffinityDestinationUnavailable,
                    "Service unavailable", "The instance this session is bound to is unavailable.");
            }

            if (lookup != AffinityLookup.Found)
            {
                rebind = affinity;
            }
        }

        if (destination is null)
        {
            string? key = snapshot.UsesRequestKey ? HttpContextPickContext.ReadKey(context.Request, snapshot.LoadBalancing.RequestKey) : null;
            var pick = new PickContext(_time.GetTimestamp(), key);
            destination = cluster.Pick(in pick);
        }

        if (destination is null)
        {
            if (ShouldLogFailure(forwarderCluster, out long failures))
            {
                GatewayLog.NoAvailableDestination(_logger, route.Id, cluster.Name, snapshot.AllDestinations.Length, failures, FailureLogInterval);
            }

            return GatewayProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, GatewayProblem.NoAvailableDestination,
                "Service unavailable", "No instance of the route's service is available.");
        }

        return ForwardToAsync(context, route, settings, forwarderCluster, destination, rebind);
    }

    private Task ForwardToAsync(HttpContext context, GatewayRoute route, ForwarderSettings settings, ForwarderCluster forwarderCluster, DestinationState destination, ClusterAffinity? rebind)
    {
        var exchange = Exchange.Rent();
        exchange.Context = context;
        exchange.Route = route;
        exchange.Settings = settings;
        exchange.Cluster = forwarderCluster;
        exchange.Destination = destination;
        exchange.Rebind = rebind;
        exchange.Forwarder = this;
        return ForwardToAsync(exchange);
    }

    // The request's state lives in one pooled object rather than in the async method's frame, which would otherwise be
    // allocated (large) on every request that waits for its backend.
    private async Task ForwardToAsync(Exchange x)
    {
        x.Activity = _timeouts.Rent(x.Route.Timeout, x.Context.RequestAborted);
        var retry = x.Route.Retry;
        if (retry is null)
        {
            // The core's lifecycle: in flight, latency (to the response's headers), outcome, metrics and the span, whose
            // child is HttpClient's own span, so the backend's traceparent continues the client's trace through the gateway.
            x.Lease = x.Cluster.Cluster.Begin(x.Destination, x.Route.Id);
        }
        else
        {
            // Each attempt runs its own lease (and span, a child of this one).
            x.Span = StartForwardSpan(x);
        }

        x.Outcome = RequestOutcome.Success;
        try
        {
            if (retry is not null && !await BufferReplayBodyIntoAsync(x, retry.Options.MaxReplayBodySize).ConfigureAwait(false))
            {
                // The client's body could not be read: answered 400 or 413, or the client went away.
                x.Outcome = RequestOutcome.Cancelled;
                return;
            }

            (x.Request, x.Content) = CreateRequest(x.Context, x.Cluster, x.Activity, x.Settings, x.TakeReusableRequest(), x.SpareContent, _logger, x.ReplayContent());
            if (x.Content is not null && ReferenceEquals(x.Content, x.SpareContent))
            {
                x.SpareContent = null;
            }

            x.Upgrade = UpgradeForwarder.Prepare(x.Context, x.Request, x.Cluster);
            if (retry is not null && x.Upgrade != UpgradeMode.None)
            {
                // A tunnel is never retried: once the 101 is passed on there is no going back.
                retry = null;
                x.Lease = x.Cluster.Cluster.Begin(x.Destination, x.Route.Id);
            }

            if (x.Route.Transforms.RequestTransformArray.Length > 0)
            {
                await ApplyRequestTransformsIntoAsync(x).ConfigureAwait(false);
                if (x.TransformAnswered)
                {
                    // A transform answered the request itself (e.g. a JSON body over its bound): nothing is forwarded.
                    x.Status = x.Context.Response.StatusCode;
                    x.Outcome = RequestOutcome.Cancelled;
                    return;
                }
            }
            else
            {
                x.Request.RequestUri = BuildUri(x.Destination, x.Context.Request.Path, x.Context.Request.QueryString);
            }

            // Last, so no transform can re-add a header that only the gateway may set.
            x.Route.IdentityForwarder?.Apply(x.Context, x.Request, incomingFiltered: true);

            // One await for both (a retried route's Task wrapped in the same ValueTask type): no frame of its own.
            try
            {
                x.Response = await (retry is null ? x.Cluster.SendAsync(x.Request, x.Activity.Token) : StartRetries(x, retry)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                x.Failure = ex;
            }

            if (retry is not null)
            {
                EndRetries(x);
            }

            if (x.Failure is { } failure)
            {
                await HandleSendFailureIntoAsync(x, failure).ConfigureAwait(false);
                return;
            }

            var response = x.Response!;
            // The destination's latency ends here; reading the body (or running a tunnel after its 101) is not part of it.
            // (A retried route's answer with a retryable status had its lease completed at its headers.)
            if (x.Lease.IsActive)
            {
                x.Lease = x.Lease.HeadersReceived();
            }

            x.Activity.Touch();
            x.Status = (int)response.StatusCode;
            x.Outcome = RequestOutcomes.FromStatusCode(x.Status);
            if (x.Upgrade != UpgradeMode.None)
            {
                if (UpgradeForwarder.IsAccepted(x.Upgrade, response))
                {
                    await TunnelIntoAsync(x, response).ConfigureAwait(false);
                    return;
                }

                _upgrades.Declined(x.Route, x.Cluster.Cluster.Name, x.Destination.Id, response);
            }

            // A backend may answer before reading the whole body (e.g. 413, or 401 after Expect: 100-continue): the
            // answer is passed on as it is.
            await CopyResponseIntoAsync(x, response).ConfigureAwait(false);
        }
        finally
        {
            if (x.Lease.IsActive)
            {
                x.Lease.Complete(x.Outcome, x.Status, x.ErrorType);
            }

            if (x.Span is { } span)
            {
                EndForwardSpan(x, span);
            }

            x.Response?.Dispose();
            x.KeepOrDisposeRequest();
            x.Activity.Dispose();
            Exchange.Return(x);
        }
    }

    // The awaits of ForwardToAsync all have one awaiter type (a non-generic ValueTask) besides SendAsync's, so its frame
    // stays small; these adapters write the results into the exchange and, when the work finished synchronously (the
    // usual case for transforms and small responses), allocate nothing.
    private ValueTask ApplyRequestTransformsIntoAsync(Exchange x)
    {
        var task = ApplyRequestTransformsAsync(x.Context, x.Route, x.Destination, x.Request!, x.Activity.Token, x.RequestTransformContext ??= new());
        if (task.IsCompletedSuccessfully)
        {
            x.TransformAnswered = !task.Result;
            return default;
        }

        return Await(task, x);

        static async ValueTask Await(ValueTask<bool> task, Exchange x) => x.TransformAnswered = !await task.ConfigureAwait(false);
    }

    private ValueTask HandleSendFailureIntoAsync(Exchange x, Exception failure)
    {
        var task = HandleSendFailureAsync(x.Context, x.Route, x.Cluster, x.Destination.Id, x.Activity, x.Content, failure);
        if (task.IsCompletedSuccessfully)
        {
            (x.Outcome, x.Status, x.ErrorType) = task.Result;
            return default;
        }

        return Await(task, x);

        static async ValueTask Await(Task<(RequestOutcome, int, string?)> task, Exchange x) => (x.Outcome, x.Status, x.ErrorType) = await task.ConfigureAwait(false);
    }

    private ValueTask TunnelIntoAsync(Exchange x, HttpResponseMessage response)
    {
        var task = _upgrades.TunnelAsync(x.Context, x.Route, x.Settings, x.Upgrade, response, x.Cluster.Cluster.Name, x.Destination.Id, x.Activity);
        if (task.IsCompletedSuccessfully)
        {
            (x.Outcome, x.ErrorType) = task.Result;
            return default;
        }

        return Await(task, x);

        static async ValueTask Await(Task<(RequestOutcome, string?)> task, Exchange x) => (x.Outcome, x.ErrorType) = await task.ConfigureAwait(false);
    }

    private ValueTask CopyResponseIntoAsync(Exchange x, HttpResponseMessage response)
    {
        var task = CopyResponseAsync(x.Context, x.Route, x.Settings, x.Cluster, x.Destination, x.Request!, response, x.Activity, x.Outcome, x.Rebind, x.ResponseTransformContext ??= new());
        if (task.IsCompletedSuccessfully)
        {
            (x.Outcome, x.ErrorType) = task.Result;
            return default;
        }

        return Await(task, x);

        static async ValueTask Await(ValueTask<(RequestOutcome, string?)> task, Exchange x) => (x.Outcome, x.ErrorType) = await task.ConfigureAwait(false);
    }

    /// <summary>One forwarded request's state, pooled.</summary>
    private sealed class Exchange : IAttemptSender
    {
        private static readonly BoundedPool<Exchange> s_pool = new(256);

        public HttpContext Context = null!;
        public GatewayRoute Route = null!;
        public ForwarderSettings Settings = null!;
        public ForwarderCluster Cluster = null!;
        public DestinationState Destination = null!;
        public ClusterAffinity? Rebind;
        public ActivityTimeout Activity = null!;
        public RequestLease Lease;
        public RequestOutcome Outcome;
        public int Status;
        public string? ErrorType;
        public HttpRequestMessage? Request;
        public HttpResponseMessage? Response;
        public StreamCopyHttpContent? Content;
        public UpgradeMode Upgrade;
        public Exception? Failure;
        public bool TransformAnswered;

        // A retried route's request (see StartRetries).
        public HttpForwarder Forwarder = null!;
        public EdgeKitResiliencePipeline? Pipeline;
        public Activity? Span;
        public int FirstAttempt;
        public int AttemptCount;
        public DestinationState? LastDestination;
        public byte[]? ReplayBuffer;
        public int ReplayLength;

        // The leases of attempts that returned a response the pipeline may pass on, until it says which one it did.
        public readonly List<(HttpResponseMessage Response, RequestLease Lease)> OpenLeases = [];

        public HttpContent? ReplayContent() =>
            ReplayBuffer is { } buffer ? new ReadOnlyMemoryContent(buffer.AsMemory(0, ReplayLength)) : null;

        Task<HttpResponseMessage> IAttemptSender.SendAttemptAsync(AttemptLane lane, CancellationToken cancellationToken) =>
            Forwarder.SendAttemptAsync(this, lane, cancellationToken);

        // Reused by every request this state serves; transforms may use them only while they run.
        public RequestTransformContext? RequestTransformContext;
        public ResponseTransformContext? ResponseTransformContext;

        // The outgoing message of the last request this state served, kept for the next one: its headers are cleared but
        // their storage stays, so a request costs no new HttpRequestMessage, header store or header array (about 200
        // bytes per request, see benchmarks/gateway).
        private HttpRequestMessage? _reusableRequest;

        // The streamed body of the last request with one whose copy succeeded, emptied for the next (its header store kept).
        public StreamCopyHttpContent? SpareContent;

        public HttpRequestMessage? TakeReusableRequest()
        {
            var request = _reusableRequest;
            _reusableRequest = null;
            return request;
        }

        /// <summary>
        /// Keeps the outgoing message, and its streamed body, for the next request when nothing can still refer to them:
        /// it was no upgrade, it was sent and its response read to the end, and it carried no body or the forwarder's own
        /// streamed body whose copy succeeded (a body's copy may outlive an early response; a failed, cancelled or never
        /// started one may still be in use). Anything else is disposed as usual.
        /// </summary>
        public void KeepOrDisposeRequest()
        {
            var request = Request;
            if (request is null)
            {
                return;
            }

            // A response means SendAsync did not fail; a failed or cancelled copy leaves an error type or outcome behind.
            if (Upgrade == UpgradeMode.None && Response is not null && Outcome != RequestOutcome.Cancelled && ErrorType is null
                && request.Content is var body
                && (body is null || (ReferenceEquals(body, Content) && Content.TryClear())))
            {
                if (body is not null)
                {
                    request.Content = null;
                    SpareContent ??= Content;
                }

                request.Headers.Clear();
                request.RequestUri = null;
                ((ICollection<KeyValuePair<string, object?>>)request.Options).Clear();
                _reusableRequest = request;
                return;
            }

            request.Dispose();
        }

        public static Exchange Rent() => s_pool.TryRent(out var exchange) ? exchange : new Exchange();

        public static void Return(Exchange exchange)
        {
            exchange.Context = null!;
            exchange.Route = null!;
            exchange.Settings = null!;
            exchange.Cluster = null!;
            exchange.Destination = null!;
            exchange.Rebind = null;
            exchange.Activity = null!;
            exchange.Lease = default;
            exchange.Outcome = RequestOutcome.Success;
            exchange.Status = 0;
            exchange.ErrorType = null;
            exchange.Request = null;
            exchange.Response = null;
            exchange.Content = null;
            exchange.Upgrade = UpgradeMode.None;
            exchange.Failure = null;
            exchange.TransformAnswered = false;
            exchange.Pipeline = null;
            exchange.Span = null;
            exchange.FirstAttempt = 0;
            exchange.AttemptCount = 0;
            exchange.LastDestination = null;
            if (exchange.ReplayBuffer is { } replay)
            {
                exchange.ReplayBuffer = null;
                exchange.ReplayLength = 0;
                ArrayPool<byte>.Shared.Return(replay);
            }

            exchange.OpenLeases.Clear();
            exchange.RequestTransformContext?.Clear();
            exchange.ResponseTransformContext?.Clear();
            s_pool.TryReturn(exchange);
        }
    }

    /// <summary>Runs the route's request transforms and sets the URI; false when a transform answered the request itself.</summary>
    private static async ValueTask<bool> ApplyRequestTransformsAsync(HttpContext context, GatewayRoute route, DestinationState state, HttpRequestMessage request, CancellationToken cancellationToken, RequestTransformContext transformContext)
    {
        var destination = state.Destination;
        transformContext.Reset(context, request, destination.Prefix, cancellationToken);
        var transforms = route.Transforms.RequestTransformArray;
        for (int i = 0; i < transforms.Length; i++)
        {
            var transform = transforms[i];
            await transform.ApplyAsync(transformContext).ConfigureAwait(false);
            if (context.Response.HasStarted)
            {
                return false;
            }
        }

        request.RequestUri = TransformedUri(context, state, transformContext.Path, transformContext.Query);
        return true;
    }

    /// <summary>The URI for <paramref name="state"/> of a request whose transforms left <paramref name="path"/> and <paramref name="query"/>.</summary>
    private static Uri TransformedUri(HttpContext context, DestinationState state, PathString path, QueryString query)
    {
        if (string.Equals(path.Value, context.Request.Path.Value, StringComparison.Ordinal) && string.Equals(query.Value, context.Request.QueryString.Value, StringComparison.Ordinal))
        {
            // Headers-only transforms (the forwarded headers every route has): the cached URI serves.
            return BuildUri(state, path, query);
        }

        var destination = state.Destination;
        return new Uri(string.Concat(destination.Authority, destination.PathPrefix, PathEncoding.Encode(path.Value ?? string.Empty), query.Value), UriKind.Absolute);
    }

    /// <summary>The destination's address joined with the client's path and query; the last one is reused while it stays the same.</summary>
    private static Uri BuildUri(DestinationState state, PathString path, QueryString query) =>
        state.GetRequestUri(PathEncoding.Encode(path.Value ?? string.Empty), query.Value);

    private static (HttpRequestMessage Request, StreamCopyHttpContent? Content) CreateRequest(
        HttpContext context, ForwarderCluster cluster, ActivityTimeout activity, ForwarderSettings settings, HttpRequestMessage? reusable,
        StreamCopyHttpContent? spareContent, ILogger logger, HttpContent? replay = null)
    {
        var incoming = context.Request;
        var request = reusable ?? new HttpRequestMessage();
        request.Method = HttpMethod.Parse(incoming.Method);
        request.Version = cluster.Version;
        request.VersionPolicy = cluster.VersionPolicy;

        StreamCopyHttpContent? content = null;
        HttpContent? body = null;
        if (replay is not null)
        {
            // A retried route's body, read into memory so that every attempt can send it.
            body = replay;
            request.Content = replay;
        }
        else if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? incoming.ContentLength > 0)
        {
            content = spareContent?.Reuse(incoming.Body, activity) ?? new StreamCopyHttpContent(incoming.Body, activity);
            body = content;
            request.Content = content;
        }

        var headers = incoming.Headers;
        string? connection = headers.Connection.Count == 0 ? null : headers.Connection.ToString();
        bool hasTransferEncoding = headers.TransferEncoding.Count > 0;
        bool dropTraceHeaders = Activity.Current is not null;
        var identityHeaders = settings.IdentityHeaders;
        foreach (var header in headers)
        {
            string name = header.Key;
            if (HeaderRules.IsNeverForwardedRequestHeader(name) || HeaderRules.IsListedIn(name, connection))
            {
                continue;
            }

            if (identityHeaders is not null && identityHeaders.Contains(name))
            {
                // Only the gateway sets identity headers, on every route: a client's copy, in any spelling, is dropped.
                IdentityForwarding.IdentityForwarder.Stripped(logger, name);
                continue;
            }

            if (dropTraceHeaders && IsTraceContextHeader(name))
            {
                // The outgoing request carries the gateway's own span as parent (injected by the handler).
                continue;
            }

            var values = header.Value;
            if (HeaderRules.IsContentHeader(name))
            {
                if (body is null || (hasTransferEncoding && name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                AddHeader(body.Headers, name, values);
                continue;
            }

            AddHeader(request.Headers, name, values);
        }

        if (request.Version.Major >= 2 && HeaderRules.AsksForTrailers(headers.TE.ToString()))
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.TE, "trailers");
        }

        if (settings.Via is { } via)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Via, via.For(incoming.Protocol));
        }

        return (request, content);
    }

    private static bool IsTraceContextHeader(string name) =>
        name.Equals("traceparent", StringComparison.OrdinalIgnoreCase)
        || name.Equals("tracestate", StringComparison.OrdinalIgnoreCase)
        || name.Equals("baggage", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Request-Id", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Correlation-Context", StringComparison.OrdinalIgnoreCase);

    private static void AddHeader(HttpHeaders target, string name, StringValues values)
    {
        if (values.Count == 1)
        {
            string? value = values.ToString();
            if (!HeaderRules.IsUnsafeValue(value))
            {
                target.TryAddWithoutValidation(name, value);
            }

            return;
        }

        foreach (var value in values)
        {
            if (!HeaderRules.IsUnsafeValue(value))
            {
                target.TryAddWithoutValidation(name, value);
            }
        }
    }

    private async Task<(RequestOutcome Outcome, int Status, string? ErrorType)> HandleSendFailureAsync(
        HttpContext context, GatewayRoute route, ForwarderCluster forwarderCluster, string destination, ActivityTimeout activity, StreamCopyHttpContent? content, Exception exception)
    {
        string cluster = forwarderCluster.Cluster.Name;
        if (context.RequestAborted.IsCancellationRequested)
        {
            GatewayLog.ClientAborted(_logger, route.Id);
            return (RequestOutcome.Cancelled, 0, null);
        }

        if (content is { Result: StreamCopyResult.InputError })
        {
            GatewayLog.ClientBodyFailed(_logger, route.Id, content.Error ?? exception);
            await WriteBodyProblemAsync(context, route, content.Error).ConfigureAwait(false);
            return (RequestOutcome.Cancelled, 0, null);
        }

        long failures;
        if (activity.TimedOut || exception is TimeoutRejectedException)
        {
            // The route's timeout, or a retried route's per-try timeout on its last try or its TotalTimeout.
            if (ShouldLogFailure(forwarderCluster, out failures))
            {
                GatewayLog.Timeout(_logger, route.Id, cluster, destination, activity.TimedOut ? route.Timeout : ((TimeoutRejectedException)exception).Timeout, failures, FailureLogInterval);
            }

            await GatewayProblem.WriteAsync(context, StatusCodes.Status504GatewayTimeout, GatewayProblem.Timeout,
                "Gateway timeout", "The service did not answer in time.").ConfigureAwait(false);
            return (RequestOutcome.Failure, 0, RequestErrorTypes.Timeout);
        }

        if (exception is NoAvailableDestinationException)
        {
            // A retry found no destination left to try.
            if (ShouldLogFailure(forwarderCluster, out failures))
            {
                GatewayLog.NoAvailableDestination(_logger, route.Id, cluster, forwarderCluster.Cluster.Snapshot.AllDestinations.Length, failures, FailureLogInterval);
            }

            await GatewayProblem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, GatewayProblem.NoAvailableDestination,
                "Service unavailable", "No instance of the route's service is available.").ConfigureAwait(false);
            return (RequestOutcome.Failure, 0, RequestErrorTypes.FromException(exception));
        }

        if (RequestReplay.NothingSent(exception))
        {
            if (ShouldLogFailure(forwarderCluster, out failures))
            {
                GatewayLog.BackendUnreachable(_logger, route.Id, cluster, destination, failures, FailureLogInterval, exception);
            }

            await GatewayProblem.WriteAsync(context, StatusCodes.Status502BadGateway, GatewayProblem.BackendUnreachable,
                "Bad gateway", "The service could not be reached.").ConfigureAwait(false);
            return (RequestOutcome.Failure, 0, RequestErrorTypes.FromException(exception));
        }

        if (ShouldLogFailure(forwarderCluster, out failures))
        {
            GatewayLog.BackendFailed(_logger, route.Id, cluster, destination, failures, FailureLogInterval, exception);
        }

        await GatewayProblem.WriteAsync(context, StatusCodes.Status502BadGateway, GatewayProblem.BadGateway,
            "Bad gateway", "The service failed to answer.").ConfigureAwait(false);
        return (RequestOutcome.Failure, 0, RequestErrorTypes.FromException(exception));
    }

    /// <summary>Answers a client whose request body could not be read: 413 when it crossed a limit, else 400.</summary>
    private static Task WriteBodyProblemAsync(HttpContext context, GatewayRoute route, Exception? error) =>
        FindBadRequest(error) is { StatusCode: StatusCodes.Status413PayloadTooLarge }
            ? GatewayProblem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, GatewayProblem.RequestBodyTooLarge,
                "Request body too large", BodyLimitDetail(context, route))
            : GatewayProblem.WriteAsync(context, StatusCodes.Status400BadRequest, GatewayProblem.BadRequestBody,
                "Bad request body", "The request body could not be read.");

    /// <summary>
    /// Counts a failed request of <paramref name="cluster"/> and says whether to log it now: at most once per
    /// <see cref="FailureLogInterval"/> per cluster, with the number of failures since the last log.
    /// </summary>
    private bool ShouldLogFailure(ForwarderCluster cluster, out long failures)
    {
        var throttle = cluster.FailureLog;
        throttle.Count();
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            failures = 0;
            return false;
        }

        return throttle.TryBegin(_time.GetTimestamp(), (long)(FailureLogInterval.TotalSeconds * _time.TimestampFrequency), out failures);
    }

    /// <summary>The span of a retried route's request, parent of one span per attempt; <see langword="null"/> when nothing listens.</summary>
    private static Activity? StartForwardSpan(Exchange x)
    {
        if (!EdgeKitTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var span = EdgeKitTelemetry.ActivitySource.StartActivity(RequestLease.ForwardSpanName, ActivityKind.Internal);
        if (span is not null)
        {
            span.SetTag(RequestLease.RouteTag, x.Route.Id);
            span.SetTag(EdgeKitTags.Cluster, x.Cluster.Cluster.Name);
        }

        return span;
    }

    private static void EndForwardSpan(Exchange x, Activity span)
    {
        int status = x.Context.Response.StatusCode;
        span.SetTag(EdgeKitTags.StatusCode, EdgeKitTags.StatusCodeValue(status));
        if (x.LastDestination is { } destination)
        {
            span.SetTag(EdgeKitTags.Destination, destination.Id);
        }

        if (x.Outcome == RequestOutcome.Failure || x.ErrorType is not null)
        {
            string error = x.ErrorType ?? RequestErrorTypes.FromStatusCode(status);
            span.SetTag(EdgeKitTags.ErrorType, error);
            span.SetStatus(ActivityStatusCode.Error, error);
        }

        span.Dispose();
    }

    /// <summary>
    /// Reads a retried route's request body into a pooled buffer when it declares a length within
    /// <paramref name="limit"/>, so every attempt can send it; a longer body, or one of unknown length, stays streamed
    /// (and is then retried only when nothing of it reached a destination). False when the body could not be read (the
    /// client has been answered, or went away).
    /// </summary>
    private ValueTask<bool> BufferReplayBodyIntoAsync(Exchange x, long limit)
    {
        var request = x.Context.Request;
        if (request.ContentLength is not { } length || length > limit || length > Array.MaxLength
            || !(x.Context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? length > 0))
        {
            return new ValueTask<bool>(true);
        }

        return ReadAsync(x, (int)length);

        async ValueTask<bool> ReadAsync(Exchange x, int length)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            x.ReplayBuffer = buffer;
            int read = 0;
            try
            {
                while (read < length)
                {
                    int n = await x.Context.Request.Body.ReadAsync(buffer.AsMemory(read, length - read), x.Activity.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new IOException($"The request body ended after {read} of the {length} bytes its Content-Length announced.");
                    }

                    read += n;
                }
            }
            catch (Exception ex)
            {
                if (x.Context.RequestAborted.IsCancellationRequested)
                {
                    GatewayLog.ClientAborted(_logger, x.Route.Id);
                    return false;
                }

                GatewayLog.ClientBodyFailed(_logger, x.Route.Id, ex);
                await WriteBodyProblemAsync(x.Context, x.Route, ex).ConfigureAwait(false);
                return false;
            }

            x.ReplayLength = length;
            return true;
        }
    }

    /// <summary>
    /// Sends a retried route's request through its resilience pipeline (the Polly-based one an HttpClient's
    /// <c>AddEdgeKitResilience()</c> runs): attempts on other destinations, backoff, budget, per-try timeout, hedging.
    /// Its caller puts the answer in <see cref="Exchange.Response"/> or the last failure in <see cref="Exchange.Failure"/>,
    /// then calls <see cref="EndRetries"/>.
    /// </summary>
    private ValueTask<HttpResponseMessage> StartRetries(Exchange x, RouteRetry retry)
    {
        var pipeline = retry.For(x.Cluster.Cluster, _logger);
        x.Pipeline = pipeline;
        x.FirstAttempt = 1;
        return new ValueTask<HttpResponseMessage>(pipeline.SendAsync(x, x.Request!, x.Activity.Token));
    }

    /// <summary>
    /// After a retried route's pipeline ended: the exchange keeps the lease of the attempt whose response the pipeline
    /// returned, completes the others', and names the destination that answered (or failed last).
    /// </summary>
    private static void EndRetries(Exchange x)
    {
        x.Span?.SetTag(AttemptsTag, x.AttemptCount);
        lock (x.OpenLeases)
        {
            foreach (var (response, lease) in x.OpenLeases)
            {
                if (ReferenceEquals(response, x.Response))
                {
                    x.Lease = lease;
                }
                else
                {
                    // A hedged attempt that answered too late: its response was discarded.
                    lease.Complete(RequestOutcome.Cancelled);
                }
            }

            x.OpenLeases.Clear();
        }

        if ((x.Lease.Destination ?? x.LastDestination) is { } served)
        {
            // Logs, affinity and the span name the destination that answered (or failed last).
            x.Destination = served;
        }
    }

    /// <summary>The tag of a retried route's span that counts its attempts.</summary>
    internal const string AttemptsTag = "edgekit.attempts";

    /// <summary>
    /// One attempt of a retried route's request: picks a destination (the one already picked for the first attempt;
    /// then one this request has not failed on, nor, for a hedged copy, has an attempt in flight on), and runs the
    /// request lifecycle for it through the lane. A response the pipeline may retry completes its lease at once; any
    /// other keeps it open for the forwarder, which completes it once the body has been passed on.
    /// </summary>
    private async Task<HttpResponseMessage> SendAttemptAsync(Exchange x, AttemptLane lane, CancellationToken cancellationToken)
    {
        var cluster = x.Cluster.Cluster;
        DestinationState destination;
        if (Interlocked.Exchange(ref x.FirstAttempt, 0) == 1)
        {
            destination = x.Destination;
        }
        else
        {
            var snapshot = cluster.Snapshot;
            string? key = snapshot.UsesRequestKey ? HttpContextPickContext.ReadKey(x.Context.Request, snapshot.LoadBalancing.RequestKey) : null;
            var pick = new PickContext(_time.GetTimestamp(), key, lane.ExcludedDestinations);
            destination = cluster.Pick(in pick) ?? throw new NoAvailableDestinationException(cluster.Name, snapshot.AllDestinations.Length);
        }

        Interlocked.Increment(ref x.AttemptCount);
        var request = lane.Request;
        request.RequestUri = x.Route.Transforms.RequestTransformArray.Length > 0 && x.RequestTransformContext is { } transformed
            ? TransformedUri(x.Context, destination, transformed.Path, transformed.Query)
            : BuildUri(destination, x.Context.Request.Path, x.Context.Request.QueryString);
        x.LastDestination = destination;
        var lease = lane.Begin(destination, x.Route.Id);
        HttpResponseMessage response;
        try
        {
            // The cluster's seam: on EdgeKit's transport its response is lent (taken back by its connection once disposed
            // after its body ended). The pipeline disposes each response it does not return, once, and reads none after.
            response = await x.Cluster.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lane.Complete(lease, 0, ex, cancellationToken);
            throw;
        }

        lease = lease.HeadersReceived();
        int status = (int)response.StatusCode;
        if (x.Pipeline!.IsRetryableStatus(status))
        {
            lane.Complete(lease, status, null, cancellationToken);
            return response;
        }

        lane.Detach(lease);
        lock (x.OpenLeases)
        {
            x.OpenLeases.Add((response, lease));
        }

        return response;
    }

    /// <summary>Which limit the body crossed: the route's <c>MaxRequestBodySize</c>, or the server's (Kestrel's) when the route sets none.</summary>
    private static string BodyLimitDetail(HttpContext context, GatewayRoute route)
    {
        long? limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (route.Options.MaxRequestBodySize is { } routeLimit && (limit is null || limit == routeLimit))
        {
            return $"The request body may be at most {routeLimit} bytes.";
        }

        return limit is { } serverLimit
            ? $"The request body is larger than the server accepts (at most {serverLimit} bytes)."
            : "The request body is larger than the server accepts.";
    }

    private static BadHttpRequestException? FindBadRequest(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is BadHttpRequestException bad)
            {
                return bad;
            }
        }

        return null;
    }

    // ValueTask: with a small response already buffered this completes synchronously, and a Task<(…)> for the
    // result would be allocated on every such request.
    private async ValueTask<(RequestOutcome Outcome, string? ErrorType)> CopyResponseAsync(
        HttpContext context, GatewayRoute route, ForwarderSettings settings, ForwarderCluster cluster, DestinationState destinationState,
        HttpRequestMessage request, HttpResponseMessage response, ActivityTimeout activity, RequestOutcome outcome, ClusterAffinity? rebind, ResponseTransformContext transformContext)
    {
        string destination = destinationState.Id;
        var outgoing = context.Response;
        outgoing.StatusCode = (int)response.StatusCode;
        // The usual reason (the status's own) needs no feature lookup.
        if (response.ReasonPhrase is { } reason
            && !string.Equals(reason, ReasonPhrases.GetReasonPhrase(outgoing.StatusCode), StringComparison.Ordinal)
            && !HeaderRules.IsUnsafeValue(reason) && context.Features.Get<IHttpResponseFeature>() is { } responseFeature)
        {
            responseFeature.ReasonPhrase = reason;
        }

        var target = outgoing.Headers;
        string? connection = response.Headers.NonValidated.TryGetValues(HeaderNames.Connection, out var connectionValues) ? connectionValues.ToString() : null;
        CopyResponseHeaders(response.Headers.NonValidated, target, connection);
        var contentHeaders = response.Content.Headers;
        CopyResponseHeaders(contentHeaders.NonValidated, target, connection, skipContentLength: true);
        bool chunked = response.Headers.NonValidated.Contains(HeaderNames.TransferEncoding);
        if (!chunked && !HeaderRules.IsListedIn(HeaderNames.ContentLength, connection) && contentHeaders.NonValidated.Contains(HeaderNames.ContentLength))
        {
            // SocketsHttpHandler has parsed (and validated) the length already: passing the number on spares formatting
            // it back into a string. A length from a chunked response is not to be trusted (RFC 9112 §6.3): Kestrel
            // frames that body itself.
            target.ContentLength = contentHeaders.ContentLength;
        }

        if (settings.Via is { } via)
        {
            target.Append(HeaderNames.Via, via.For(response.Version));
        }

        // After the backend's headers, so its own Set-Cookie values are kept beside the gateway's.
        rebind?.Bind(context, destinationState);

        if (route.Transforms.ResponseTransforms.Count > 0)
        {
            transformContext.Reset(context, response, activity.Token);
            var transforms = route.Transforms.ResponseTransformArray;
            for (int i = 0; i < transforms.Length; i++)
            {
                var transform = transforms[i];
                await transform.ApplyAsync(transformContext).ConfigureAwait(false);
                if (outgoing.HasStarted)
                {
                    // A transform answered the client itself (e.g. a JSON body over its bound): the backend's body is not
                    // sent. The backend did answer, so its own outcome is what health and metrics see.
                    return (outcome, null);
                }
            }
        }

        if (response is Http1Response own && ReferenceEquals(own.Content, own.Body) && own.Body.Stream is { } ownStream
            && ownStream.TryTakeBufferedBody(out var buffered))
        {
            // EdgeKit's transport, and the whole body already came with the head (a small answer), or there is none: it
            // is copied into the client's response, the connection goes back to its pool, and one flush sends head and
            // body. No copy loop, no body reads, no buffer rented.
            cluster.CountBufferedBody();
            Exception? writeError = null;
            try
            {
                if (!buffered.IsEmpty)
                {
                    // As the copy's first read of a body would: a client gone (or the route's timeout passed) gets
                    // nothing more. (A response without a body is over already, as on the copy's path.)
                    activity.Token.ThrowIfCancellationRequested();
                    var writer = outgoing.BodyWriter;
                    foreach (var segment in buffered)
                    {
                        // Copied now (Kestrel keeps what is written before the response starts until its head goes out).
                        writer.Write(segment.Span);
                    }
                }
            }
            catch (Exception ex)
            {
                writeError = ex;
            }
            finally
            {
                // Before the flush: once the client can have the bytes, the connection is already free for the next
                // request (the bytes were the connection's buffer until here).
                ownStream.EndBufferedBody(buffered);
            }

            if (writeError is null && !buffered.IsEmpty)
            {
                try
                {
                    if ((await outgoing.BodyWriter.FlushAsync(activity.Token).ConfigureAwait(false)).IsCanceled)
                    {
                        writeError = new IOException("Sending the response to the client was cancelled.");
                    }
                }
                catch (Exception ex)
                {
                    writeError = ex;
                }
            }

            return writeError is null
                ? (outcome, null)
                : BodyCopyFailed(context, route, cluster, destination, activity,
                    writeError is OperationCanceledException && activity.Token.IsCancellationRequested ? StreamCopyResult.Canceled : StreamCopyResult.OutputError, writeError);
        }

        // SocketsHttpHandler's content hands its stream over without waiting: the synchronous call saves a Task<Stream>.
        var source = response.Content.ReadAsStream(activity.Token);
        // Send the headers now if the backend has not sent body bytes yet (a stream that starts slowly, or an empty body).
        // Kestrel's StartAsync only commits them: the flush puts them on the wire, so the client has them when the
        // backend's do (the time the destination's latency is measured to), not with the first body bytes.
        var firstRead = source.ReadAsync(Memory<byte>.Empty, activity.Token);
        if (!firstRead.IsCompleted)
        {
            await outgoing.StartAsync(activity.Token).ConfigureAwait(false);
            await outgoing.Body.FlushAsync(activity.Token).ConfigureAwait(false);
        }

        try
        {
            await firstRead.ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            return BodyFailed(context, route, cluster, destination, activity, ex);
        }
        catch (Exception)
        {
            return (RequestOutcome.Cancelled, null);
        }

        var (result, error, _) = await StreamCopier.CopyAsync(source, outgoing.Body, activity, activity.Token, sourceReady: true).ConfigureAwait(false);
        if (result != StreamCopyResult.Success)
        {
            return BodyCopyFailed(context, route, cluster, destination, activity, result, error!);
        }

        // HTTP/1.1 carries trailers only after a chunked body; reading TrailingHeaders otherwise would allocate them.
        if ((chunked || response.Version.Major >= 2) && response.TrailingHeaders.NonValidated.Count > 0 && outgoing.SupportsTrailers())
        {
            foreach (var trailer in response.TrailingHeaders.NonValidated)
            {
                if (!HeaderRules.IsNeverForwardedResponseHeader(trailer.Key))
                {
                    outgoing.AppendTrailer(trailer.Key, ToStringValues(trailer.Value));
                }
            }
        }

        return (outcome, null);
    }

    /// <summary>The outcome of a response body's copy that did not succeed: the backend's failure or timeout, or the client gone.</summary>
    private (RequestOutcome, string?) BodyCopyFailed(HttpContext context, GatewayRoute route, ForwarderCluster cluster, string destination, ActivityTimeout activity, StreamCopyResult result, Exception error)
    {
        if (result == StreamCopyResult.InputError
            || (result == StreamCopyResult.Canceled && activity.TimedOut && !context.RequestAborted.IsCancellationRequested))
        {
            return BodyFailed(context, route, cluster, destination, activity, error);
        }

        // The client went away: nothing more to send.
        GatewayLog.ClientAborted(_logger, route.Id);
        return (RequestOutcome.Cancelled, null);
    }

    private (RequestOutcome, string?) BodyFailed(HttpContext context, GatewayRoute route, ForwarderCluster forwarderCluster, string destination, ActivityTimeout activity, Exception exception)
    {
        string cluster = forwarderCluster.Cluster.Name;
        if (!ShouldLogFailure(forwarderCluster, out long failures))
        {
            // Counted; logged with the next failure report of the cluster.
        }
        else if (activity.TimedOut)
        {
            GatewayLog.Timeout(_logger, route.Id, cluster, destination, route.Timeout, failures, FailureLogInterval);
        }
        else
        {
            GatewayLog.ResponseBodyFailed(_logger, route.Id, cluster, destination, failures, FailureLogInterval, exception);
        }

        // The status line is gone: the only honest signal left is to cut the connection (or reset the stream).
        context.Abort();
        return (RequestOutcome.Failure, activity.TimedOut ? RequestErrorTypes.Timeout : RequestErrorTypes.ResponseBodyError);
    }

    private static void CopyResponseHeaders(HttpHeadersNonValidated source, IHeaderDictionary target, string? connection, bool skipContentLength = false)
    {
        foreach (var header in source)
        {
            string name = header.Key;
            if (HeaderRules.IsNeverForwardedResponseHeader(name) || HeaderRules.IsListedIn(name, connection)
                || (skipContentLength && name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var values = ToStringValues(header.Value);
            if (values.Count == 0)
            {
                continue;
            }

            target[name] = values;
        }
    }

    private static StringValues ToStringValues(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            string value = values.ToString();
            return HeaderRules.IsUnsafeValue(value) ? StringValues.Empty : new StringValues(value);
        }

        var array = new string[values.Count];
        int count = 0;
        foreach (var value in values)
        {
            if (!HeaderRules.IsUnsafeValue(value))
            {
                array[count++] = value;
            }
        }

        if (count != array.Length)
        {
            Array.Resize(ref array, count);
        }

        return new StringValues(array);
    }
}
