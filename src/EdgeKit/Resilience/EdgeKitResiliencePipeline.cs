using System.Globalization;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeKit.Resilience;

/// <summary>
/// EdgeKit's resilience pipeline for requests to one <see cref="Destinations.Cluster"/> (Polly v8): total timeout, retries
/// with backoff and the cluster's retry budget, optional hedging, and a per-attempt timeout, each attempt sent by an
/// <see cref="IAttemptSender"/> that picks a destination again. <see cref="EdgeKitResilienceHandler"/> runs it in front of
/// a <see cref="BalancingHandler"/>, the gateway in front of its forwarder; a transport of your own runs its attempts
/// through it the same way (see <see cref="AttemptLane"/>).
/// </summary>
/// <remarks>
/// <para>Strategies, outermost first: total timeout → retry → hedging (requests that may be hedged, when hedging is on)
/// → attempt timeout → the <see cref="IAttemptSender"/>, which picks a destination for each attempt.</para>
/// <para>Polly runs the loops, the waits (on the cluster's <see cref="TimeProvider"/>), the cancellations and the
/// disposal of discarded responses; the decisions are made here, at the one point where a retry can still be refused
/// (the retry strategy's <c>ShouldHandle</c>), so that the delay, the time left and the budget are judged together.</para>
/// <para>Every pipeline of a cluster shares its retry budget (<see cref="RetryBudgetOptions"/>). Build one pipeline per
/// cluster and settings and keep it: building one builds Polly's strategies.</para>
/// </remarks>
public sealed class EdgeKitResiliencePipeline
{
    private const string RetryKind = "retry";
    private const string HedgeKind = "hedge";

    private static readonly ResiliencePropertyKey<AttemptLane> s_laneKey = new("EdgeKit.AttemptLane");
    private static readonly ResiliencePropertyKey<ResilientRequest> s_requestKey = new("EdgeKit.Request");

    private static readonly Func<ResilienceContext, IAttemptSender, ValueTask<Outcome<HttpResponseMessage>>> s_sendAttemptAsync = SendAttemptAsync;
    private static readonly Func<ResilienceContext, BalancingHandler, HttpResponseMessage> s_sendAttempt =
        static (context, balancing) => balancing.SendAttempt(GetLane(context), context.CancellationToken);

    private readonly Cluster _cluster;
    private readonly EdgeKitResilienceOptions _options;
    private readonly StatusCodeRanges? _retryableStatuses;
    private readonly RetryConditions _conditions;
    private readonly RetryBudget _budget;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline<HttpResponseMessage>? _hedgingPipeline;

    /// <summary>Builds the pipeline for requests to <paramref name="cluster"/>.</summary>
    /// <param name="cluster">The cluster whose destinations the attempts go to; its clock, random source and retry budget are used.</param>
    /// <param name="options">The settings. Copied.</param>
    /// <param name="logger">Where retries, hedges, refusals and attempt timeouts are logged; default a logger of the cluster's logger factory.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cluster"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public EdgeKitResiliencePipeline(Cluster cluster, EdgeKitResilienceOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        _options = ValidateAndCopy(options);
        EdgeKitResilienceOptionsValidator.TryParseStatuses(_options.RetryableStatuses, out _retryableStatuses, out _);
        RetryConditionNames.TryParse(_options.RetryOn, out _conditions, out _);
        _budget = RetryBudget.For(cluster);
        _time = cluster.Environment.TimeProvider;
        _random = cluster.Environment.Random;
        _logger = logger ?? cluster.Environment.LoggerFactory.CreateLogger<EdgeKitResiliencePipeline>();
        _pipeline = Build(hedging: false);
        _hedgingPipeline = _options.Hedging.Enabled ? Build(hedging: true) : null;
    }

    /// <summary>The cluster whose destinations the attempts go to.</summary>
    public Cluster Cluster => _cluster;

    /// <summary>The settings in force (a copy of the validated settings; changing it has no effect).</summary>
    public EdgeKitResilienceOptions Options => _options.Clone();

    /// <summary>The cluster's retry budget.</summary>
    internal RetryBudget Budget => _budget;

    /// <summary>
    /// Sends <paramref name="request"/>: runs its attempts through <paramref name="sender"/>, retrying and hedging as the
    /// settings allow, and returns the response the pipeline settled on. A request may be sent more than once when its
    /// method is idempotent (or <see cref="EdgeKitResilienceOptions.AllowNonIdempotent"/>) and its content can be sent
    /// again, unless it opted out (<see cref="EdgeKitRequestOptions.AllowRetry"/>); an attempt that failed before anything
    /// was sent (<see cref="RequestReplay.NothingSent"/>) may be retried whatever the request.
    /// </summary>
    /// <param name="sender">What sends each attempt.</param>
    /// <param name="request">The request; hedged copies are made of it (addressed to its URI as it is now).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The response of the last attempt, or of the hedged attempt that won.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sender"/> or <paramref name="request"/> is null.</exception>
    /// <exception cref="ClusterRequestFailedException">The last attempt failed in its transport after destinations were tried; it names the cluster and those destinations.</exception>
    /// <exception cref="NoAvailableDestinationException">No destination was available for an attempt.</exception>
    /// <exception cref="Polly.Timeout.TimeoutRejectedException">The total timeout or the last attempt's timeout elapsed.</exception>
    public Task<HttpResponseMessage> SendAsync(IAttemptSender sender, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(sender, request, RequestReplay.Of(request, _options.AllowNonIdempotent), cancellationToken);
    }

    /// <summary>
    /// Whether a response with <paramref name="statusCode"/> is one the pipeline retries (or hedges) under its
    /// <see cref="EdgeKitResilienceOptions.RetryOn"/> conditions: an attempt that answered it will be followed by another
    /// when the request may be retried and the attempts, the time and the budget allow, so its response may be discarded.
    /// </summary>
    /// <param name="statusCode">The response's status code.</param>
    /// <returns>Whether the status is one of the retried ones.</returns>
    public bool IsRetryableStatus(int statusCode) =>
        statusCode >= 400
        && (((_conditions & RetryConditions.RetriableStatusCodes) != 0 && _retryableStatuses is not null && _retryableStatuses.Contains(statusCode))
            || ((_conditions & RetryConditions.GatewayError) != 0 && statusCode is >= 502 and <= 504)
            || ((_conditions & RetryConditions.ServerError) != 0 && statusCode is >= 500 and <= 599));

    /// <summary>
    /// Runs the attempts of <paramref name="request"/> through <paramref name="sender"/>, retrying and hedging as the
    /// options and <paramref name="eligibility"/> allow.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(IAttemptSender sender, HttpRequestMessage request, RetryEligibility eligibility, CancellationToken cancellationToken)
    {
        var pipeline = _hedgingPipeline is not null && eligibility == RetryEligibility.Eligible ? _hedgingPipeline : _pipeline;
        var state = new ResilientRequest(request, eligibility, _time.GetTimestamp(), hedged: ReferenceEquals(pipeline, _hedgingPipeline), _cluster, _logger);
        var context = Rent(state, cancellationToken);
        _budget.RequestStarted();
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(s_sendAttemptAsync, context, sender).ConfigureAwait(false);
            ThrowIfNoDestinationAnswered(outcome, state);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            End(state, context);
        }
    }

    /// <summary>The synchronous counterpart of <see cref="SendAsync(IAttemptSender, HttpRequestMessage, CancellationToken)"/> for the balancer (never hedged).</summary>
    internal HttpResponseMessage Send(BalancingHandler balancing, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Never hedged: hedging needs attempts running side by side.
        var state = new ResilientRequest(request, RequestReplay.Of(request, _options.AllowNonIdempotent), _time.GetTimestamp(), hedged: false, _cluster, _logger);
        var context = Rent(state, cancellationToken);
        _budget.RequestStarted();
        try
        {
            try
            {
                return _pipeline.Execute(s_sendAttempt, context, balancing);
            }
            catch (HttpRequestException failure) when (NoDestinationAnswered(failure, state) is { } wrapped)
            {
                throw wrapped;
            }
        }
        finally
        {
            End(state, context);
        }
    }

    /// <summary>
    /// When the request ends in a transport failure after trying destinations, says which cluster and destinations:
    /// the bare socket error alone names neither.
    /// </summary>
    private void ThrowIfNoDestinationAnswered(Outcome<HttpResponseMessage> outcome, ResilientRequest state)
    {
        if (outcome.Exception is HttpRequestException failure && NoDestinationAnswered(failure, state) is { } wrapped)
        {
            throw wrapped;
        }
    }

    /// <summary>
    /// When the request ends in a transport failure after trying destinations, an exception that says which cluster
    /// and destinations (the bare socket error names neither); otherwise <see langword="null"/>.
    /// </summary>
    private ClusterRequestFailedException? NoDestinationAnswered(HttpRequestException failure, ResilientRequest state) =>
        failure is not NoAvailableDestinationException and not ClusterRequestFailedException
            && failure.StatusCode is null
            && state.Failed is { Count: > 0 } failed
            ? new ClusterRequestFailedException(_cluster.Name, failed.Select(d => d.Id).ToArray(), failure)
            : null;

    private static ResilienceContext Rent(ResilientRequest state, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(s_requestKey, state);
        context.Properties.Set(s_laneKey, state.PrimaryLane);
        return context;
    }

    private void End(ResilientRequest state, ResilienceContext context)
    {
        if (state.HoldsRetrySlot)
        {
            // The retry strategy stopped (cancellation, total timeout) after deciding a retry it did not send.
            state.HoldsRetrySlot = false;
            _budget.Release();
        }

        _budget.RequestEnded();
        EdgeKitMetrics.RecordResilientRequest(_cluster.Name, state.AttemptCount, _time.GetElapsedTime(state.StartTimestamp));
        ResilienceContextPool.Shared.Return(context);
    }

    private static async ValueTask<Outcome<HttpResponseMessage>> SendAttemptAsync(ResilienceContext context, IAttemptSender sender)
    {
        GetRequest(context).AttemptStarted();
        try
        {
            return Outcome.FromResult(await sender.SendAttemptAsync(GetLane(context), context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            return Outcome.FromException<HttpResponseMessage>(ex);
        }
    }

    private static AttemptLane GetLane(ResilienceContext context) => context.Properties.GetValue(s_laneKey, null!);

    private static ResilientRequest GetRequest(ResilienceContext context) => context.Properties.GetValue(s_requestKey, null!);

    private ResiliencePipeline<HttpResponseMessage> Build(bool hedging)
    {
        var options = _options;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>
        {
            Name = "EdgeKit",
            InstanceName = _cluster.Name,
            TimeProvider = _time,
        };

        if (options.TotalTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Name = "EdgeKit.TotalTimeout", Timeout = options.TotalTimeout });
        }

        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "EdgeKit.Retry",
                MaxRetryAttempts = options.MaxRetryAttempts,
                // The delay is chosen in ShouldRetry, together with the decision; Polly waits it.
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Context, args.Outcome, args.AttemptNumber)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(GetRequest(args.Context).NextDelay),
                OnRetry = args =>
                {
                    OnRetry(args.Context, args.Outcome, args.AttemptNumber, args.RetryDelay);
                    return default;
                },
            });
        }

        if (hedging)
        {
            var hedgingDelay = options.Hedging.Delay;
            builder.AddHedging(new HedgingStrategyOptions<HttpResponseMessage>
            {
                Name = "EdgeKit.Hedging",
                MaxHedgedAttempts = options.Hedging.MaxHedgedAttempts,
                Delay = options.Hedging.Delay,
                // After the budget refused a copy, wait for an attempt to end before asking again, rather than every
                // delay (or, with a zero delay, in a loop).
                DelayGenerator = args => new ValueTask<TimeSpan>(GetRequest(args.Context).HedgeDenied ? Timeout.InfiniteTimeSpan : hedgingDelay),
                ShouldHandle = args => new ValueTask<bool>(Trigger(args.Outcome, args.Context.CancellationToken) is not null),
                ActionGenerator = GenerateHedge,
            });
        }

        if (options.AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            var attemptTimeout = options.AttemptTimeout;
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                Name = "EdgeKit.AttemptTimeout",
                Timeout = attemptTimeout,
                // Runs before each attempt, while the context still carries the token outside the attempt timeout:
                // the balancer compares the two to tell this timeout from any other cancellation (see AttemptLane).
                TimeoutGenerator = args =>
                {
                    GetLane(args.Context).ArmTimeout(args.Context.CancellationToken);
                    return new ValueTask<TimeSpan>(attemptTimeout);
                },
            });
        }

        return builder.Build();
    }

    /// <summary>What makes an outcome worth another attempt, or <see langword="null"/> when it is not.</summary>
    /// <param name="outcome">The attempt's outcome.</param>
    /// <param name="cancellationToken">The token of the strategy judging it; cancelled, nothing is retried.</param>
    internal string? Trigger(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                TimeoutRejectedException => When(RetryConditions.Timeout, RequestErrorTypes.Timeout),
                // All destinations are out; another attempt now would find none either.
                NoAvailableDestinationException => null,
                _ when RequestReplay.NothingSent(exception) => When(RetryConditions.ConnectFailure, "connect failure"),
                HttpRequestException or HttpIOException => When(RetryConditions.Reset, "reset"),
                // A timeout below EdgeKit (SocketsHttpHandler's ConnectTimeout, ...), not a cancellation from above.
                OperationCanceledException when !cancellationToken.IsCancellationRequested => When(RetryConditions.Timeout, RequestErrorTypes.Timeout),
                _ => null,
            };
        }

        int status = outcome.Result is { } response ? (int)response.StatusCode : 0;
        return IsRetryableStatus(status) ? StatusText(status) : null;
    }

    private string? When(RetryConditions condition, string trigger) => (_conditions & condition) != 0 ? trigger : null;

    /// <summary>The retry strategy's decision for one attempt's outcome; when it is yes, the delay is left in <see cref="ResilientRequest.NextDelay"/>.</summary>
    private bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int attemptNumber)
    {
        var request = GetRequest(context);
        var token = context.CancellationToken;
        if (request.HoldsRetrySlot)
        {
            // The retry that just completed gives its slot back.
            request.HoldsRetrySlot = false;
            _budget.Release();
            EdgeKitMetrics.RecordRetry(_cluster.Name, OutcomeName(outcome, token));
        }

        // After a hedged group the context holds the winning copy's lane; the next attempt starts from the caller's request.
        context.Properties.Set(s_laneKey, request.PrimaryLane);

        if (token.IsCancellationRequested || Trigger(outcome, token) is not { } trigger)
        {
            return false;
        }

        // Nothing of a request that could not connect reached the destination (and no content was read): it may go
        // again whatever its method or content. Only an explicit opt-out stops it.
        bool nothingSent = outcome.Exception is { } failure && RequestReplay.NothingSent(failure);
        string? reason = request.Eligibility switch
        {
            RetryEligibility.OptedOut => "opted-out",
            RetryEligibility.NotIdempotent when !nothingSent => "not-idempotent",
            RetryEligibility.ContentNotReplayable when !nothingSent => "content-not-replayable",
            _ => attemptNumber >= _options.MaxRetryAttempts ? "attempts-exhausted" : null,
        };

        TimeSpan delay = default;
        if (reason is null)
        {
            var left = TimeLeft(request);
            if (_options.MaxRetryAfter > TimeSpan.Zero && TryGetRetryAfter(outcome.Result, out var retryAfter))
            {
                // The service says when it can take the request again; if that is after the caller gives up, say so now.
                if (retryAfter >= left)
                {
                    reason = "retry-after-exceeds-total-timeout";
                }

                delay = retryAfter < _options.MaxRetryAfter ? retryAfter : _options.MaxRetryAfter;
            }
            else
            {
                delay = Backoff(attemptNumber);
            }

            if (reason is null && delay >= left)
            {
                reason = "total-timeout";
            }
        }

        if (reason is not null)
        {
            EdgeKitMetrics.RecordNotRetried(_cluster.Name, reason);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                EdgeKitLog.RetryNotAttempted(_logger, _cluster.Name, request.PrimaryLane.Request.Method.Method, trigger, reason);
            }

            return false;
        }

        if (!_budget.TryAcquire(_options.RetryBudget, out int limit))
        {
            BudgetExhausted(RetryKind, limit);
            return false;
        }

        request.HoldsRetrySlot = true;
        request.NextDelay = delay;
        return true;
    }

    private void OnRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome, int attemptNumber, TimeSpan delay)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var request = GetRequest(context);
            string trigger = Trigger(outcome, CancellationToken.None) ?? "failure";
            EdgeKitLog.RetryScheduled(_logger, _cluster.Name, request.PrimaryLane.Request.Method.Method, attemptNumber + 1, _options.MaxRetryAttempts, delay, trigger);
        }
    }

    /// <summary>Polly's action generator: a copy of the request on its own lane, if the budget allows; else none for now.</summary>
    private Func<ValueTask<Outcome<HttpResponseMessage>>>? GenerateHedge(HedgingActionGeneratorArguments<HttpResponseMessage> args)
    {
        var request = GetRequest(args.PrimaryContext);
        if (!_budget.TryAcquire(_options.RetryBudget, out int limit))
        {
            if (request.MarkHedgeDenied())
            {
                BudgetExhausted(HedgeKind, limit);
            }

            // No copy for now; Polly asks again once an attempt has ended (see the delay generator).
            return null;
        }

        var lane = new AttemptLane(request.CreateHedgedRequest(), request);
        var context = args.ActionContext;
        context.Properties.Set(s_laneKey, lane);
        if (EdgeKitMetrics.Hedges.Enabled)
        {
            EdgeKitMetrics.Hedges.Add(1, new KeyValuePair<string, object?>(EdgeKitTags.Cluster, _cluster.Name));
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            EdgeKitLog.HedgeSent(_logger, _cluster.Name, lane.Request.Method.Method, args.AttemptNumber);
        }

        var callback = args.Callback;
        return async () =>
        {
            try
            {
                return await callback(context).ConfigureAwait(false);
            }
            finally
            {
                // The copy took a budget slot above; it gives it back however it ends.
                _budget.Release();
            }
        };
    }

    private void BudgetExhausted(string kind, int limit)
    {
        EdgeKitMetrics.RecordBudgetExhausted(_cluster.Name, kind);
        long interval = (long)(RetryBudget.WarningInterval.TotalSeconds * _time.TimestampFrequency);
        if (_logger.IsEnabled(LogLevel.Warning) && _budget.ShouldWarn(_time.GetTimestamp(), interval, out long denied))
        {
            EdgeKitLog.RetryBudgetExhausted(_logger, _cluster.Name, _budget.ActiveRetries, _budget.ActiveRequests, limit, denied);
        }
    }

    /// <summary>
    /// The backoff before retry <paramref name="attemptNumber"/> (from 0): min(max, base × 2^n), or with jitter a
    /// uniformly random time between half of that and all of it, so that delays grow and clients spread out.
    /// </summary>
    internal TimeSpan Backoff(int attemptNumber)
    {
        double ceiling = Math.Min(_options.MaxDelay.Ticks, _options.BaseDelay.Ticks * Math.Pow(2, attemptNumber));
        if (!_options.UseJitter)
        {
            return TimeSpan.FromTicks((long)ceiling);
        }

        return TimeSpan.FromTicks((long)((ceiling / 2) + (_random.NextDouble() * ceiling / 2)));
    }

    private TimeSpan TimeLeft(ResilientRequest request) =>
        _options.TotalTimeout == Timeout.InfiniteTimeSpan
            ? TimeSpan.MaxValue
            : _options.TotalTimeout - _time.GetElapsedTime(request.StartTimestamp);

    /// <summary>
    /// The wait a <c>Retry-After</c> header asks for: delta-seconds, or an HTTP date relative to the cluster's clock.
    /// A date in the past means no wait.
    /// </summary>
    internal bool TryGetRetryAfter(HttpResponseMessage? response, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (response?.Headers.RetryAfter is not { } retryAfter)
        {
            return false;
        }

        if (retryAfter.Delta is { } delta)
        {
            delay = delta > TimeSpan.Zero ? delta : TimeSpan.Zero;
            return true;
        }

        if (retryAfter.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            delay = wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            return true;
        }

        return false;
    }

    private string OutcomeName(Outcome<HttpResponseMessage> outcome, CancellationToken token)
    {
        if (outcome.Exception is OperationCanceledException && token.IsCancellationRequested)
        {
            return RequestOutcomes.Cancelled;
        }

        return outcome.Exception is not null || Trigger(outcome, token) is not null
            || (outcome.Result is { } response && RequestOutcomes.FromStatusCode((int)response.StatusCode) == RequestOutcome.Failure)
            ? RequestOutcomes.Failure
            : RequestOutcomes.Success;
    }

    private static string StatusText(int status) => status switch
    {
        408 => "status 408",
        429 => "status 429",
        500 => "status 500",
        502 => "status 502",
        503 => "status 503",
        504 => "status 504",
        _ => "status " + status.ToString(CultureInfo.InvariantCulture),
    };

    private static EdgeKitResilienceOptions ValidateAndCopy(EdgeKitResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        var errors = new List<string>();
        EdgeKitResilienceOptionsValidator.Validate(copy, "EdgeKit resilience", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        return copy;
    }
}
