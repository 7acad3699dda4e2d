using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using EdgeKit.Redis.RateLimiting;
using StackExchange.Redis;

namespace EdgeKit.Benchmarks;

/// <summary>
/// The Redis rate limiter on loopback against a real redis-server (started here on a free 127.0.0.1 port, stopped by
/// PID). The baseline is the floor of any Redis-backed decision: one PING round trip through the same
/// StackExchange.Redis connection. Sequential cases give the latency of one decision (added latency = the ratio's
/// excess over PING); the <c>×16</c> cases keep 16 decisions in flight, so decisions/s = 16 / mean. Round trips per
/// decision are counted from the <c>edgekit.ratelimit.redis.*</c> instruments and printed at cleanup.
/// </summary>
[MemoryDiagnoser]
public class RedisRateLimiterBenchmarks
{
    private const int InFlight = 16;
    private Process? _redis;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;
    private RedisRateLimiter _accepting = null!;
    private RedisRateLimiter _rejectingInRedis = null!;
    private RedisRateLimiter _rejectingFromCache = null!;
    private MeterListener? _listener;
    private long _roundTrips;
    private long _decisions;
    private readonly Task<RateLimitLease>[] _leases = new Task<RateLimitLease>[InFlight];
    private readonly Task<TimeSpan>[] _pings = new Task<TimeSpan>[InFlight];

    [GlobalSetup]
    public void Setup()
    {
        int port = FreePort();
        _redis = Process.Start(new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _redis.OutputDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
                break;
            }
            catch (RedisConnectionException) when (started.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(50);
            }
        }

        _database = _connection.GetDatabase();
        _accepting = new RedisRateLimiter(_connection, "accepting", new RedisRateLimiterOptions
        {
            PolicyName = "bench", PermitLimit = 1_000_000_000, Window = TimeSpan.FromSeconds(1), Burst = 1_000_000, Timeout = TimeSpan.FromSeconds(5),
        });
        _rejectingInRedis = new RedisRateLimiter(_connection, "rejecting", new RedisRateLimiterOptions
        {
            PolicyName = "bench", PermitLimit = 1, Window = TimeSpan.FromDays(1), Timeout = TimeSpan.FromSeconds(5), MaxOverLimitCacheEntries = 0,
        });
        _rejectingFromCache = new RedisRateLimiter(_connection, "cached", new RedisRateLimiterOptions
        {
            PolicyName = "bench", PermitLimit = 1, Window = TimeSpan.FromDays(1), Timeout = TimeSpan.FromSeconds(5),
        });
        _accepting.AcquireAsync().AsTask().GetAwaiter().GetResult();
        _rejectingInRedis.AcquireAsync().AsTask().GetAwaiter().GetResult();
        _rejectingFromCache.AcquireAsync().AsTask().GetAwaiter().GetResult();
        _rejectingFromCache.AcquireAsync().AsTask().GetAwaiter().GetResult();

        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name is "edgekit.ratelimit.redis.round_trips" or "edgekit.ratelimit.redis.decisions")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "edgekit.ratelimit.redis.round_trips")
            {
                Interlocked.Add(ref _roundTrips, value);
            }
            else
            {
                Interlocked.Add(ref _decisions, value);
            }
        });
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        Console.WriteLine($"// Redis rate limiter: {_roundTrips} round trips for {_decisions} decisions = {(double)_roundTrips / Math.Max(1, _decisions):F4} per decision (all cases of this process).");
        _accepting.Dispose();
        _rejectingInRedis.Dispose();
        _rejectingFromCache.Dispose();
        _connection.Dispose();
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit(10_000);
        }

        _redis?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "PING round trip (floor)")]
    public Task<TimeSpan> Ping() => _database.PingAsync();

    [Benchmark(Description = "AcquireAsync, accepted (1 EVALSHA)")]
    public ValueTask<RateLimitLease> Accepted() => _accepting.AcquireAsync();

    [Benchmark(Description = "AcquireAsync, rejected by Redis (1 EVALSHA)")]
    public ValueTask<RateLimitLease> RejectedInRedis() => _rejectingInRedis.AcquireAsync();

    [Benchmark(Description = "AcquireAsync, rejected from over-limit cache (0 round trips)")]
    public ValueTask<RateLimitLease> RejectedFromCache() => _rejectingFromCache.AcquireAsync();

    [Benchmark(OperationsPerInvoke = InFlight, Description = "PING ×16 in flight")]
    public async Task PingInFlight()
    {
        for (int i = 0; i < InFlight; i++)
        {
            _pings[i] = _database.PingAsync();
        }

        await Task.WhenAll(_pings);
    }

    [Benchmark(OperationsPerInvoke = InFlight, Description = "AcquireAsync ×16 in flight, accepted")]
    public async Task AcceptedInFlight()
    {
        for (int i = 0; i < InFlight; i++)
        {
            _leases[i] = _accepting.AcquireAsync().AsTask();
        }

        await Task.WhenAll(_leases);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
