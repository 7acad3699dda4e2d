using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;

namespace EdgeKit.RateLimiting;

/// <summary>
/// A concurrency <see cref="RateLimiter"/> whose limit adapts to latency, for load shedding: a lease is a request in
/// flight, and disposing it records how long the request took. Each <see cref="AdaptiveConcurrencyLimiterOptions.SampleWindow"/>,
/// the window's average latency is compared with the baseline (the lowest recent latency): above
/// <c>LatencyTolerance × baseline</c> the limit is multiplied by <c>BackoffRatio</c>; otherwise, if the limit was at
/// least half used, it grows by one. Requests beyond the limit are rejected at once (no queue), so a slow backend sheds
/// load instead of building queues.
/// </summary>
/// <remarks>Acquire and release are lock-free; a window closes at the first acquire or release after it has lasted
/// <see cref="AdaptiveConcurrencyLimiterOptions.SampleWindow"/> with at least <see cref="AdaptiveConcurrencyLimiterOptions.MinSamplesPerWindow"/>
/// completed requests, done by one thread under a try-lock. A rejection allocates nothing; an accepted lease is one small object.</remarks>
public sealed class AdaptiveConcurrencyLimiter : RateLimiter
{
    private static readonly string[] s_noMetadata = [];

    private readonly AdaptiveConcurrencyLimiterOptions _options;
    private readonly TimeProvider _time;
    private readonly long _window;
    private readonly Lock _windowGate = new();
    private readonly RateLimitLease _rejected = new Lease(null, 0, 0, acquired: false);
    private readonly RateLimitLease _acceptedEmpty = new Lease(null, 0, 0, acquired: true);
    private int _limit;
    private int _inFlight;
    private int _peakInFlight;
    private long _windowStart;
    private long _sampleTicks;
    private int _samples;
    private double _baseline = double.NaN;
    private long _successful;
    private long _failed;
    private long _idleSince;
    private int _disposed;

    /// <summary>Creates the limiter. The options are copied.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public AdaptiveConcurrencyLimiter(AdaptiveConcurrencyLimiterOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException(problems[0], nameof(options));
        }

        _options = options.Clone();
        _time = timeProvider ?? TimeProvider.System;
        _window = (long)((Int128)_options.SampleWindow.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);
        _limit = _options.InitialLimit;
        _windowStart = _idleSince = _time.GetTimestamp();
    }

    /// <summary>The current limit of requests in flight.</summary>
    public int CurrentLimit => Volatile.Read(ref _limit);

    /// <summary>Requests in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The baseline latency (the lowest recent window average), or <see langword="null"/> before the first window.</summary>
    public TimeSpan? BaselineLatency => double.IsNaN(_baseline) ? null : TimeSpan.FromTicks((long)_baseline);

    /// <inheritdoc />
    public override TimeSpan? IdleDuration => InFlight == 0 ? _time.GetElapsedTime(Volatile.Read(ref _idleSince)) : null;

    /// <summary>
    /// Checks <paramref name="options"/> the way the constructor does, but adds every problem to
    /// <paramref name="errors"/> instead of stopping at the first, each prefixed with <c>"{path}: "</c> (nothing is added
    /// when the options are valid): for validating a configuration section at start and reporting all its errors at once.
    /// </summary>
    /// <param name="options">The settings to check.</param>
    /// <param name="path">Where the settings come from, for example a configuration path; empty for no prefix.</param>
    /// <param name="errors">Receives one message per problem.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static void Validate(AdaptiveConcurrencyLimiterOptions options, string path, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var problem in Problems(options))
        {
            errors.Add(path.Length == 0 ? problem : $"{path}: {problem}");
        }
    }

    /// <summary>Every problem of <paramref name="options"/> (empty when valid).</summary>
    internal static List<string> Problems(AdaptiveConcurrencyLimiterOptions options)
    {
        var problems = new List<string>();
        if (options.MinLimit < 1)
        {
            problems.Add($"MinLimit must be at least 1 (was {options.MinLimit}).");
        }

        if (options.MaxLimit < options.MinLimit)
        {
            problems.Add($"MaxLimit ({options.MaxLimit}) must be at least MinLimit ({options.MinLimit}).");
        }

        if (options.InitialLimit < options.MinLimit || options.InitialLimit > options.MaxLimit)
        {
            problems.Add($"InitialLimit ({options.InitialLimit}) must be between MinLimit ({options.MinLimit}) and MaxLimit ({options.MaxLimit}).");
        }

        if (!(options.LatencyTolerance > 1))
        {
            problems.Add($"LatencyTolerance must be above 1 (was {options.LatencyTolerance}).");
        }

        if (!(options.BackoffRatio > 0 && options.BackoffRatio < 1))
        {
            problems.Add($"BackoffRatio must be above 0 and below 1 (was {options.BackoffRatio}).");
        }

        if (options.SampleWindow <= TimeSpan.Zero)
        {
            problems.Add($"SampleWindow must be positive (was {options.SampleWindow}).");
        }

        if (options.MinSamplesPerWindow < 1)
        {
            problems.Add($"MinSamplesPerWindow must be at least 1 (was {options.MinSamplesPerWindow}).");
        }

        if (!(options.BaselineSmoothing >= 0 && options.BaselineSmoothing <= 1))
        {
            problems.Add($"BaselineSmoothing must be between 0 and 1 (was {options.BaselineSmoothing}).");
        }

        if (string.IsNullOrEmpty(options.PolicyName))
        {
            problems.Add("PolicyName must not be empty.");
        }

        return problems;
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new RateLimiterStatistics
        {
            CurrentAvailablePermits = Math.Max(0, CurrentLimit - InFlight),
            CurrentQueuedCount = 0,
            TotalFailedLeases = Volatile.Read(ref _failed),
            TotalSuccessfulLeases = Volatile.Read(ref _successful),
        };
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="permitCount"/> exceeds <see cref="AdaptiveConcurrencyLimiterOptions.MaxLimit"/>.</exception>
    /// <exception cref="ObjectDisposedException">The limiter is disposed.</exception>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        if (permitCount > _options.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, $"{permitCount} permits exceed the maximum limit ({_options.MaxLimit}).");
        }

        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long now = _time.GetTimestamp();
        MaybeCloseWindow(now);
        while (true)
        {
            int inFlight = Volatile.Read(ref _inFlight);
            if (inFlight + Math.Max(permitCount, 1) > Volatile.Read(ref _limit))
            {
                Interlocked.Increment(ref _failed);
                Record(false);
                return _rejected;
            }

            if (permitCount == 0)
            {
                Interlocked.Increment(ref _successful);
                Record(true);
                return _acceptedEmpty;
            }

            if (Interlocked.CompareExchange(ref _inFlight, inFlight + permitCount, inFlight) == inFlight)
            {
                int peak;
                while ((peak = Volatile.Read(ref _peakInFlight)) < inFlight + permitCount
                    && Interlocked.CompareExchange(ref _peakInFlight, inFlight + permitCount, peak) != peak)
                {
                }

                Interlocked.Increment(ref _successful);
                Record(true);
                return new Lease(this, permitCount, now, acquired: true);
            }
        }
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        new(AttemptAcquireCore(permitCount));

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _disposed, 1);

    private void Record(bool accepted)
    {
        if (EdgeKitMetrics.RateLimitDecisions.Enabled)
        {
            EdgeKitMetrics.RecordRateLimitDecision(_options.PolicyName, accepted);
        }
    }

    private void Release(int permits, long started)
    {
        long now = _time.GetTimestamp();
        if (Interlocked.Add(ref _inFlight, -permits) == 0)
        {
            Volatile.Write(ref _idleSince, now);
        }

        Interlocked.Add(ref _sampleTicks, _time.GetElapsedTime(started, now).Ticks);
        Interlocked.Increment(ref _samples);
        MaybeCloseWindow(now);
    }

    // A window closes at the first acquire or release after it has lasted SampleWindow and holds MinSamplesPerWindow samples.
    private void MaybeCloseWindow(long now)
    {
        if (Volatile.Read(ref _samples) >= _options.MinSamplesPerWindow && now - Volatile.Read(ref _windowStart) >= _window && _windowGate.TryEnter())
        {
            try
            {
                CloseWindow(now);
            }
            finally
            {
                _windowGate.Exit();
            }
        }
    }

    // Under _windowGate.
    private void CloseWindow(long now)
    {
        if (now - _windowStart < _window || Volatile.Read(ref _samples) < _options.MinSamplesPerWindow)
        {
            return; // another thread closed it meanwhile
        }

        int samples = Interlocked.Exchange(ref _samples, 0);
        long ticks = Interlocked.Exchange(ref _sampleTicks, 0);
        int peak = Interlocked.Exchange(ref _peakInFlight, Volatile.Read(ref _inFlight));
        Volatile.Write(ref _windowStart, now);
        if (samples == 0)
        {
            return;
        }

        double average = (double)ticks / samples;
        if (double.IsNaN(_baseline) || average < _baseline)
        {
            _baseline = average;
        }
        else
        {
            _baseline += (average - _baseline) * _options.BaselineSmoothing;
        }

        int limit = _limit;
        if (average > _options.LatencyTolerance * _baseline)
        {
            limit = Math.Max(_options.MinLimit, (int)(limit * _options.BackoffRatio));
        }
        else if (peak * 2 >= limit)
        {
            limit = Math.Min(_options.MaxLimit, limit + 1);
        }

        Volatile.Write(ref _limit, limit);
    }

    private sealed class Lease(AdaptiveConcurrencyLimiter? owner, int permits, long started, bool acquired) : RateLimitLease
    {
        private AdaptiveConcurrencyLimiter? _owner = owner;

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => s_noMetadata;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _owner, null)?.Release(permits, started);
    }
}
