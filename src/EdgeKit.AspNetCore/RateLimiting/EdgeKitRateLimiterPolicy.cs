using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.AspNetCore.RateLimiting;

/// <summary>
/// One named EdgeKit policy: limits a gateway route in the route's own request delegate (<see cref="Limit"/>, no
/// middleware), and is an ASP.NET Core rate-limiter policy, so an app endpoint's <c>RequireRateLimiting(name)</c> uses it
/// through ASP.NET's middleware. Both paths share the decision's effects: the accepted/rejected counters, the RateLimit
/// headers and the 429 problem+json.
/// </summary>
/// <remarks>
/// ASP.NET's middleware keeps one limiter per partition key in its own dictionary, scanned every 100 ms and without a
/// cap. To keep EdgeKit's bounded, lock-free partitions, this policy gives the middleware a single partition, whose
/// limiter forwards each acquire, with the request's partition key, to the policy's store (by default EdgeKit's bounded
/// partitioned limiter). The middleware always calls
/// <see cref="GetPartition"/> and then, synchronously on the same thread, the partition's limiter: the request is
/// handed over in a thread-static field between the two calls.
/// </remarks>
internal sealed class EdgeKitRateLimiterPolicy : IRateLimiterPolicy<string>, IDisposable
{
    [ThreadStatic]
    private static HttpContext? t_context;

    private readonly RateLimitPartition<string> _partition;
    private readonly string? _policyHeader;
    private readonly RateLimitHeaders.Values? _headerValues;
    private readonly ILogger _logger;

    private readonly Func<HttpContext, string> _keySelector;
    private long _accepted;
    private long _rejected;

    public EdgeKitRateLimiterPolicy(string name, EdgeKitRateLimitPolicyOptions options, IRateLimiterStore store, ClientIpResolver clientIps, bool emitHeaders, TimeProvider timeProvider, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        Name = name;
        var limits = options.Limits.Select(l => new TokenBucketLimit(l.PermitLimit, l.Window, l.Name)).ToArray();
        _keySelector = PartitionKeySelector.Create(options.Partition ?? new RateLimitPartitionOptions(), clientIps);
        Limits = limits;
        Store = options.Store;
        Partition = (options.Partition ?? new RateLimitPartitionOptions()).Kind.ToString();
        var settings = new RateLimiterStoreSettings(name, limits, timeProvider)
        {
            QueueLimit = options.QueueLimit,
            MaxPartitions = options.MaxPartitions,
            OverflowBehavior = options.OverflowBehavior,
        };
        Limiter = store.CreateLimiter(settings);
        _policyHeader = emitHeaders ? RateLimitHeaders.FormatPolicy(settings) : null;
        _headerValues = emitHeaders ? new RateLimitHeaders.Values(settings) : null;
        var limiter = new HttpContextLimiter(this);
        _partition = RateLimitPartition.Get(name, _ => limiter);
        OnRejected = (rejected, _) => new(RejectAsync(rejected.HttpContext, rejected.Lease));
    }

    public string Name { get; }

    /// <summary>The store's limiter, keyed by the partition key of each request.</summary>
    public PartitionedRateLimiter<string> Limiter { get; }

    /// <summary>The limits checked together.</summary>
    public IReadOnlyList<TokenBucketLimit> Limits { get; }

    /// <summary>The store enforcing them (<c>local</c>, <c>redis</c>...).</summary>
    public string Store { get; }

    /// <summary>What the partition key is.</summary>
    public string Partition { get; }

    /// <summary>Requests accepted since start (for the status API and dashboard).</summary>
    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>Requests rejected since start.</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; }

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        t_context = httpContext;
        return _partition;
    }

    public void Dispose() => Limiter.Dispose();

    /// <summary>
    /// <paramref name="next"/> (a gateway route's handler) behind this policy: each request takes a permit before
    /// <paramref name="next"/> runs, or is answered 429. See <see cref="RouteRateLimiter"/>.
    /// </summary>
    public RequestDelegate Limit(RequestDelegate next) => new RouteRateLimiter(this, next).InvokeAsync;

    /// <summary>The request's partition key.</summary>
    internal string KeyOf(HttpContext context) => _keySelector(context);

    private static HttpContext TakeContext()
    {
        var context = t_context ?? throw new InvalidOperationException(
            "An EdgeKit rate-limit policy's limiter was called without a request; it is only usable through ASP.NET Core's rate-limiting middleware.");
        t_context = null;
        return context;
    }

    /// <summary>What an acquired or refused decision does besides answering: counts it, writes the RateLimit headers when accepted.</summary>
    internal RateLimitLease OnDecided(HttpContext context, RateLimitLease lease)
    {
        if (lease.IsAcquired)
        {
            Interlocked.Increment(ref _accepted);
        }

        if (lease.IsAcquired && _policyHeader is not null)
        {
            RateLimitHeaders.Write(context.Response, lease, _policyHeader, _headerValues);
        }

        return lease;
    }

    /// <summary>
    /// Answers a refused request: 429, <c>Retry-After</c>, the RateLimit headers and the quota-exceeded problem+json.
    /// Everything is read from <paramref name="lease"/> before the first await, so the caller may dispose it once this returns.
    /// </summary>
    internal Task RejectAsync(HttpContext context, RateLimitLease lease)
    {
        Interlocked.Increment(ref _rejected);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = Math.Max(1, RateLimitHeaders.WholeSecondsUp(retryAfter)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        string violated = Name;
        if (lease.TryGetQuota(out var quota))
        {
            violated = quota.Policy;
            if (_policyHeader is not null)
            {
                RateLimitHeaders.Write(context.Response, lease, _policyHeader, _headerValues);
            }
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            RateLimitingLog.RateLimitRejected(_logger, Name, context.Request.Path.Value ?? "/", violated, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null);
        }

        var problem = new ProblemDetails
        {
            Type = RateLimitProblemTypes.QuotaExceeded,
            Title = "Request cannot be satisfied as assigned quota has been exceeded",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = $"The quota of policy '{violated}' is exhausted; retry later.",
        };
        problem.Extensions["violated-policies"] = new[] { violated };
        return TypedResults.Problem(problem).ExecuteAsync(context);
    }

    /// <summary>The one limiter ASP.NET's middleware holds for this policy; it never reports itself idle, so the middleware never disposes it.</summary>
    private sealed class HttpContextLimiter(EdgeKitRateLimiterPolicy policy) : RateLimiter
    {
        public override TimeSpan? IdleDuration => null;

        public override RateLimiterStatistics? GetStatistics() => null;

        // ASP.NET's middleware calls AttemptAcquire and, when it is refused, AcquireAsync: deciding in both would take
        // (and count, in edgekit.ratelimit.decisions and the statistics) every refused request twice, and a request
        // that waits in the queue would count as refused, then accepted. The decision is made once, in AcquireAsync,
        // which completes synchronously unless the request waits.
        protected override RateLimitLease AttemptAcquireCore(int permitCount)
        {
            TakeContext();
            return Deferred.Instance;
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            var context = TakeContext();
            var pending = policy.Limiter.AcquireAsync(policy._keySelector(context), permitCount, cancellationToken);
            return pending.IsCompletedSuccessfully ? new(policy.OnDecided(context, pending.Result)) : AwaitAsync(context, pending);
        }

        // The policy owns the EdgeKit limiter; the middleware disposing its partitions must not dispose it.
        protected override void Dispose(bool disposing)
        {
        }

        private async ValueTask<RateLimitLease> AwaitAsync(HttpContext context, ValueTask<RateLimitLease> pending) =>
            policy.OnDecided(context, await pending.ConfigureAwait(false));
    }

    /// <summary>"Not decided here": the middleware then asks <c>AcquireAsync</c>, which decides.</summary>
    private sealed class Deferred : RateLimitLease
    {
        public static readonly Deferred Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
