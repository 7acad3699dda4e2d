using System.Threading.RateLimiting;
using EdgeKit.Configuration;
using EdgeKit.RateLimiting;
using EdgeKit.Redis.Configuration;
using EdgeKit.Redis.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// One policy's decisions for any number of keys: the over-limit cache, the availability checks and short circuit, the
/// one-round-trip script call with its timeout, and the failure mode. Shared by <see cref="RedisRateLimiter"/> (one key)
/// and <see cref="RedisPartitionedRateLimiter{TResource}"/> (a key per resource).
/// </summary>
internal sealed class RedisTokenBucket
{
    internal const string NotDecidedReason =
        "The Redis rate limiter decides asynchronously: AttemptAcquire only answers from its over-limit cache or its failure mode; call AcquireAsync.";

    private const string NotConnectedReason = "Redis is not connected";
    private const string BreakOpenReason = "Redis failed recently and is skipped until the break ends";
    private const string TimedOutReason = "Redis did not answer within the timeout";
    private const string FailedReason = "the Redis call failed";
    private const string UnexpectedReplyReason = "Redis returned an unexpected reply";

    private readonly RedisConnection _connection;
    private readonly RedisRateLimiterOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly OverLimitCache _cache;
    private readonly string _policy;
    private readonly string _keyStart;
    private readonly long _unit;
    private readonly long _rate;
    private readonly long _quotaLimit;
    private readonly int _burst;
    private readonly RedisValue[] _argsForOne;
    private readonly RedisRateLimitLease _failOpenLease;
    private readonly string _failureModeName;
    private readonly long _breakTicks;

    private long _breakUntil;    // timestamp; 0 = no break
    private int _probing;        // 1 while one call probes Redis after a break
    private int _unhealthy;      // 1 after a failure was logged, until a Redis decision succeeds
    private readonly Lock _loadLock = new();
    private Task? _loading;
    private long _successful;
    private long _failed;
    private long _lastRemaining;
    private long _lastActivity;
    private long _lastCacheFullLog;

    public RedisTokenBucket(RedisConnection connection, RedisRateLimiterOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        var errors = new List<string>();
        RedisRateLimiterOptionsValidator.Validate(_options, "Redis rate limiter", errors);
        if (errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(errors);
        }

        _connection = connection;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _cache = new OverLimitCache(_options.MaxOverLimitCacheEntries, _timeProvider);
        _policy = _options.PolicyName;
        _keyStart = string.Concat(_options.KeyPrefix, _policy, ":{");
        _burst = RedisRateLimiterOptionsValidator.EffectiveBurst(_options);
        _unit = RedisRateLimiterOptionsValidator.WindowMicroseconds(_options.Window);
        _rate = _options.PermitLimit;
        _quotaLimit = Math.Min(_options.PermitLimit, _burst);
        _argsForOne = Arguments(1);
        _failureModeName = _options.FailureMode.ToString();
        _breakTicks = (long)(_options.BreakDuration.Ticks * (double)_timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond);
        _failOpenLease = RedisRateLimitLease.Decision(true, TimeSpan.Zero, new RateLimitQuota(_policy, _quotaLimit, _options.Window, 0, TimeSpan.Zero), "Redis unavailable: failing open");
        _lastRemaining = _quotaLimit;
        _lastActivity = _timeProvider.GetTimestamp();
    }

    public RedisRateLimiterOptions Options => _options;

    /// <summary>The Redis key of a partition key: <c>{KeyPrefix}{PolicyName}:{{key}}</c>.</summary>
    public string RedisKeyOf(string key) => string.Concat(_keyStart, key, "}");

    public TimeSpan IdleDuration => _timeProvider.GetElapsedTime(Volatile.Read(ref _lastActivity));

    public RateLimiterStatistics GetStatistics() => new()
    {
        CurrentAvailablePermits = Volatile.Read(ref _lastRemaining),
        CurrentQueuedCount = 0,
        TotalSuccessfulLeases = Volatile.Read(ref _successful),
        TotalFailedLeases = Volatile.Read(ref _failed),
    };

    /// <summary>
    /// The synchronous path: never reaches Redis. Answers a rejection from the over-limit cache, the failure mode when
    /// Redis is known to be unavailable, and otherwise a not-acquired lease that is not a decision (ASP.NET's middleware
    /// then calls <see cref="AcquireAsync"/>).
    /// </summary>
    public RateLimitLease AttemptAcquire(string key, int permitCount)
    {
        ValidatePermitCount(permitCount);
        if (TryAnswerLocally(key, claimProbe: false, out var lease, out _, out _))
        {
            return lease;
        }

        return RedisRateLimitLease.NotDecided(NotDecidedReason);
    }

    /// <summary>Decides in Redis unless the over-limit cache or the failure mode answers first.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(string key, int permitCount, CancellationToken cancellationToken)
    {
        ValidatePermitCount(permitCount);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RateLimitLease>(cancellationToken);
        }

        if (TryAnswerLocally(key, claimProbe: true, out var lease, out var database, out var redisKey))
        {
            return new ValueTask<RateLimitLease>(lease);
        }

        return DecideInRedisAsync(database!, key, redisKey!, permitCount, cancellationToken);
    }

    private void ValidatePermitCount(int permitCount)
    {
        if (permitCount > _burst)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount,
                $"Redis rate limiter policy '{_policy}': {permitCount} permits exceed the bucket's capacity of {_burst} (Burst), so they could never be granted.");
        }
    }

    /// <summary>
    /// Answers without Redis when it can: the over-limit cache, then the failure mode when Redis is not connected or
    /// the break is open. When the break has ended, <paramref name="claimProbe"/> lets this caller be the one call that
    /// probes Redis; the synchronous path never claims it (it cannot probe) and defers to the asynchronous one.
    /// </summary>
    private bool TryAnswerLocally(string key, bool claimProbe, out RateLimitLease lease, out IDatabase? database, out string? redisKey)
    {
        Volatile.Write(ref _lastActivity, _timeProvider.GetTimestamp());
        database = null;
        redisKey = null;
        if (_cache.TryGet(key, out var retryAfter, out var resetAfter))
        {
            lease = Count(RedisRateLimitLease.Decision(false, retryAfter, new RateLimitQuota(_policy, _quotaLimit, _options.Window, 0, resetAfter)), "over_limit_cache");
            return true;
        }

        if (_connection.Current is not { } multiplexer)
        {
            lease = Fail(NotConnectedReason, exception: null, openBreak: false);
            return true;
        }

        database = multiplexer.GetDatabase(_options.Database);
        redisKey = RedisKeyOf(key);
        if (!database.IsConnected(redisKey))
        {
            lease = Fail(NotConnectedReason, exception: null, openBreak: false);
            return true;
        }

        long breakUntil = Volatile.Read(ref _breakUntil);
        if (breakUntil != 0
            && (_timeProvider.GetTimestamp() < breakUntil || (claimProbe && Interlocked.CompareExchange(ref _probing, 1, 0) != 0)))
        {
            lease = Fail(BreakOpenReason, exception: null, openBreak: false);
            return true;
        }

        // The break has ended (or there is none): the asynchronous path decides in Redis (and, after a break, probes);
        // the synchronous path defers to it, so under ASP.NET's middleware a fail-open break still ends.

        lease = null!;
        return false;
    }

    private async ValueTask<RateLimitLease> DecideInRedisAsync(IDatabase database, string key, string redisKey, int permitCount, CancellationToken cancellationToken)
    {
        long start = _timeProvider.GetTimestamp();
        RedisKey[] keys = [redisKey];
        RedisValue[] args = permitCount == 1 ? _argsForOne : Arguments(permitCount);
        string outcome = "error";
        try
        {
            RedisResult result;
            try
            {
                result = await CallAsync(database.ScriptEvaluateAsync(RedisTokenBucketScript.Sha1, keys, args), start, cancellationToken).ConfigureAwait(false);
                RedisRateLimitingMetrics.RecordRoundTrip(_policy, "evalsha", "success");
            }
            catch (RedisServerException exception) when (exception.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                RedisRateLimitingMetrics.RecordRoundTrip(_policy, "evalsha", "noscript");
                await LoadScriptAsync(database, keys[0], start, cancellationToken).ConfigureAwait(false);
                result = await CallAsync(database.ScriptEvaluateAsync(RedisTokenBucketScript.Sha1, keys, args), start, cancellationToken).ConfigureAwait(false);
                RedisRateLimitingMetrics.RecordRoundTrip(_policy, "evalsha", "success");
            }

            if (!TryRead(result, out long accepted, out long remaining, out long retryAfterUs, out long resetAfterUs))
            {
                outcome = "unexpected_reply";
                RedisRateLimitingLog.UnexpectedReply(_logger, _policy, result.ToString(), _failureModeName);
                return Fail(UnexpectedReplyReason, exception: null, openBreak: true, log: false);
            }

            outcome = "success";
            OnRedisDecided();
            var retryAfter = TimeSpan.FromTicks(retryAfterUs * TimeSpan.TicksPerMicrosecond);
            var resetAfter = TimeSpan.FromTicks(resetAfterUs * TimeSpan.TicksPerMicrosecond);
            long advertised = Math.Min(remaining, _quotaLimit);
            Volatile.Write(ref _lastRemaining, advertised);
            var quota = new RateLimitQuota(_policy, _quotaLimit, _options.Window, advertised, resetAfter);
            if (accepted == 1)
            {
                return Count(RedisRateLimitLease.Decision(true, retryAfter, quota), "redis");
            }

            if (!_cache.Add(key, retryAfter, resetAfter))
            {
                LogCacheFull();
            }

            return Count(RedisRateLimitLease.Decision(false, retryAfter, quota), "redis");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
            Interlocked.Exchange(ref _probing, 0);
            throw;
        }
        catch (TimeoutException exception)
        {
            outcome = "timeout";
            RedisRateLimitingMetrics.RecordRoundTrip(_policy, "evalsha", "timeout");
            return Fail(TimedOutReason, exception, openBreak: true);
        }
        catch (Exception exception)
        {
            RedisRateLimitingMetrics.RecordRoundTrip(_policy, "evalsha", "error");
            return Fail(FailedReason, exception, openBreak: true);
        }
        finally
        {
            RedisRateLimitingMetrics.RecordDuration(_policy, outcome, _timeProvider.GetElapsedTime(start));
        }
    }

    /// <summary>Waits for a Redis call no later than the decision's deadline; a call left behind is observed, never leaked as unobserved.</summary>
    private async Task<T> CallAsync<T>(Task<T> call, long start, CancellationToken cancellationToken)
    {
        var left = _options.Timeout - _timeProvider.GetElapsedTime(start);
        try
        {
            return await call.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>
    /// <c>SCRIPT LOAD</c> on the server that owns the key, after Redis answered <c>NOSCRIPT</c> (a fresh, restarted or
    /// flushed Redis). Concurrent callers share one load.
    /// </summary>
    private async Task LoadScriptAsync(IDatabase database, RedisKey key, long start, CancellationToken cancellationToken)
    {
        Task loading;
        lock (_loadLock)
        {
            // Rare (a fresh, restarted or flushed Redis), so a lock is fine: it makes concurrent callers share one load.
            if (_loading is not { IsCompleted: false })
            {
                _loading = LoadAsync(database.Multiplexer.GetServer(key));
            }

            loading = _loading;
        }

        await CallAsync(loading.ContinueWith(static t => { t.GetAwaiter().GetResult(); return true; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default), start, cancellationToken).ConfigureAwait(false);
    }

    private async Task LoadAsync(IServer server)
    {
        try
        {
            byte[] sha = await server.ScriptLoadAsync(RedisTokenBucketScript.Text).ConfigureAwait(false);
            RedisRateLimitingMetrics.RecordRoundTrip(_policy, "script_load", "success");
            RedisRateLimitingLog.ScriptLoaded(_logger, _policy, Convert.ToHexStringLower(sha), "Redis answered NOSCRIPT");
        }
        catch
        {
            RedisRateLimitingMetrics.RecordRoundTrip(_policy, "script_load", "error");
            throw;
        }
    }

    /// <summary>Logs that the over-limit cache is full, at most once per 10 s (a flood of distinct keys would otherwise flood the log).</summary>
    private void LogCacheFull()
    {
        long now = _timeProvider.GetTimestamp();
        long last = Volatile.Read(ref _lastCacheFullLog);
        if ((last == 0 || _timeProvider.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(10))
            && Interlocked.CompareExchange(ref _lastCacheFullLog, now, last) == last)
        {
            RedisRateLimitingLog.OverLimitCacheFull(_logger, _policy, _options.MaxOverLimitCacheEntries);
        }
    }

    private static bool TryRead(RedisResult result, out long accepted, out long remaining, out long retryAfterUs, out long resetAfterUs)
    {
        accepted = remaining = retryAfterUs = resetAfterUs = 0;
        if (result.IsNull || result.Resp2Type != ResultType.Array || result.Length != 4)
        {
            return false;
        }

        try
        {
            accepted = (long)result[0];
            remaining = (long)result[1];
            retryAfterUs = (long)result[2];
            resetAfterUs = (long)result[3];
        }
        catch (InvalidCastException)
        {
            return false;
        }

        return accepted is 0 or 1 && remaining >= 0 && retryAfterUs >= 0 && resetAfterUs >= 0;
    }

    private RedisValue[] Arguments(int permitCount) =>
    [
        _burst * _unit,           // capacity units
        _rate,                    // refill units per µs
        permitCount * _unit,      // cost units
        _unit,                    // units per permit
        _quotaLimit * _unit,      // units of the advertised quota
    ];

    private void OnRedisDecided()
    {
        if (Volatile.Read(ref _breakUntil) != 0)
        {
            Volatile.Write(ref _breakUntil, 0);
        }

        Volatile.Write(ref _probing, 0);
        if (Volatile.Read(ref _unhealthy) != 0 && Interlocked.Exchange(ref _unhealthy, 0) == 1)
        {
            RedisRateLimitingLog.Recovered(_logger, _policy);
        }
    }

    private RateLimitLease Fail(string reason, Exception? exception, bool openBreak, bool log = true)
    {
        if (openBreak)
        {
            if (_breakTicks > 0)
            {
                Volatile.Write(ref _breakUntil, _timeProvider.GetTimestamp() + _breakTicks);
            }

            Volatile.Write(ref _probing, 0);
        }

        if (Interlocked.Exchange(ref _unhealthy, 1) == 0 && log)
        {
            RedisRateLimitingLog.Unavailable(_logger, _policy, reason, _failureModeName, _options.BreakDuration, exception);
        }

        if (_options.FailureMode == RedisRateLimiterFailureMode.FailOpen)
        {
            return Count(_failOpenLease, "fail_open");
        }

        long breakUntil = Volatile.Read(ref _breakUntil);
        long now = _timeProvider.GetTimestamp();
        var retryAfter = breakUntil > now ? _timeProvider.GetElapsedTime(now, breakUntil)
            : _options.BreakDuration > TimeSpan.Zero ? _options.BreakDuration : TimeSpan.FromSeconds(1);
        return Count(RedisRateLimitLease.Decision(false, retryAfter, new RateLimitQuota(_policy, _quotaLimit, _options.Window, 0, retryAfter), "Redis unavailable: failing closed"), "fail_closed");
    }

    private RateLimitLease Count(RateLimitLease lease, string source)
    {
        Interlocked.Increment(ref lease.IsAcquired ? ref _successful : ref _failed);
        RedisRateLimitingMetrics.RecordDecision(_policy, lease.IsAcquired, source);
        return lease;
    }
}
