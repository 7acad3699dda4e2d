using EdgeKit.Client;
using EdgeKit.Destinations;
using Microsoft.Extensions.Logging;

namespace EdgeKit.Resilience;

/// <summary>
/// One request going through EdgeKit's resilience handler: what its attempts share with the balancer
/// (<see cref="RequestAttempts"/>), plus what the resilience pipeline decides with: whether it may be retried, when
/// it started, the delay chosen for the next retry, its budget slot, and — when it may be hedged — what a hedged copy
/// is made from.
/// </summary>
/// <remarks>
/// The retry fields are used by the retry strategy only, one attempt after another; hedged copies read only the
/// snapshot, taken before the first attempt starts (the request's headers are not safe to read while it is sent).
/// </remarks>
internal sealed class ResilientRequest : RequestAttempts
{
    private readonly HedgeTemplate? _hedgeTemplate;
    private int _hedgeDenied;
    private int _attempts;

    public ResilientRequest(HttpRequestMessage request, RetryEligibility eligibility, long startTimestamp, bool hedged, Cluster cluster, ILogger logger)
        : base(request.RequestUri, tracksInFlight: hedged, cluster, logger)
    {
        Eligibility = eligibility;
        StartTimestamp = startTimestamp;
        PrimaryLane = new AttemptLane(request, this);
        if (hedged)
        {
            _hedgeTemplate = new HedgeTemplate(request);
        }
    }

    /// <summary>Whether the request may be sent more than once.</summary>
    public RetryEligibility Eligibility { get; }

    /// <summary>When the request entered the resilience handler (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long StartTimestamp { get; }

    /// <summary>The caller's request and its retries.</summary>
    public AttemptLane PrimaryLane { get; }

    /// <summary>The wait before the retry just decided.</summary>
    public TimeSpan NextDelay { get; set; }

    /// <summary>Attempts started so far (the first, retries and hedged copies).</summary>
    public int AttemptCount => Volatile.Read(ref _attempts);

    /// <summary>Counts an attempt (hedged copies run side by side, hence the interlocked increment).</summary>
    public void AttemptStarted() => Interlocked.Increment(ref _attempts);

    /// <summary>Whether the retry in progress holds a slot of the retry budget.</summary>
    public bool HoldsRetrySlot { get; set; }

    /// <summary>Records that the budget refused a hedged attempt; true the first time only, so the refusal is counted once per request.</summary>
    public bool MarkHedgeDenied() => Interlocked.Exchange(ref _hedgeDenied, 1) == 0;

    /// <summary>Whether the budget has refused a hedged attempt of this request.</summary>
    public bool HedgeDenied => Volatile.Read(ref _hedgeDenied) != 0;

    /// <summary>A copy of the request for a hedged attempt, addressed to the logical URI.</summary>
    public HttpRequestMessage CreateHedgedRequest() =>
        (_hedgeTemplate ?? throw new InvalidOperationException("The request was not prepared for hedging.")).Create(LogicalUri);

    /// <summary>What a hedged copy is made of: everything but the URI, read before the first attempt is sent.</summary>
    private sealed class HedgeTemplate
    {
        private readonly HttpMethod _method;
        private readonly Version _version;
        private readonly HttpVersionPolicy _versionPolicy;
        private readonly HttpContent? _content;
        private readonly KeyValuePair<string, string[]>[] _headers;
        private readonly KeyValuePair<string, object?>[] _options;

        public HedgeTemplate(HttpRequestMessage request)
        {
            _method = request.Method;
            _version = request.Version;
            _versionPolicy = request.VersionPolicy;
            _content = request.Content;
            if (_content is not null)
            {
                // Computed and stored now: later reads by concurrent copies then find it instead of setting it.
                _ = _content.Headers.ContentLength;
            }

            var headers = new List<KeyValuePair<string, string[]>>();
            foreach (var header in request.Headers.NonValidated)
            {
                headers.Add(new(header.Key, [.. header.Value]));
            }

            _headers = [.. headers];
            _options = [.. request.Options];
        }

        public HttpRequestMessage Create(Uri? uri)
        {
            var copy = new HttpRequestMessage(_method, uri)
            {
                Version = _version,
                VersionPolicy = _versionPolicy,
                // Shared, not copied: only contents that can be sent by several copies at once get here.
                Content = _content,
            };

            foreach (var (name, values) in _headers)
            {
                copy.Headers.TryAddWithoutValidation(name, values);
            }

            if (_options.Length > 0)
            {
                IDictionary<string, object?> options = copy.Options;
                foreach (var (key, value) in _options)
                {
                    options[key] = value;
                }
            }

            return copy;
        }
    }
}
