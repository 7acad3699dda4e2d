using System.Security.Cryptography;
using System.Text;

namespace EdgeKit.Redis.RateLimiting;

/// <summary>
/// The Lua script that decides one acquire atomically in one round trip: refill from Redis's own clock, take, persist
/// with a TTL, and return the decision with exact remaining permits and waits.
/// </summary>
/// <remarks>
/// <para>
/// The bucket level is kept in integer "units" so every figure is exact in Lua's doubles: one permit is <c>W</c> units
/// (the window in microseconds) and the bucket refills <c>L</c> units per microsecond (the permit limit), i.e. exactly
/// <c>L</c> permits per window. Capacity is <c>Burst × W</c> units, kept below 2^53 by validation.
/// </para>
/// <para>
/// State: a hash with <c>level</c> (units) and <c>time</c> (Redis server time in µs of the last take). A missing key is a
/// full bucket; the key expires when the bucket would be full again, so idle keys vanish. A rejection writes nothing.
/// </para>
/// <para>
/// KEYS[1]: the bucket. ARGV: capacity units, refill units per µs, cost units (permits × W), units per permit (W),
/// units of the advertised quota. Returns { accepted (0/1), remaining permits, retry-after µs, reset-after µs }.
/// Accepted: retry-after is the wait before one more permit is available (0 when one is). Rejected: the wait before the
/// requested permits are.
/// </para>
/// </remarks>
internal static class RedisTokenBucketScript
{
    public const string Text = """
        if redis.replicate_commands then pcall(redis.replicate_commands) end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local cost = tonumber(ARGV[3])
        local unit = tonumber(ARGV[4])
        local quota = tonumber(ARGV[5])
        local function ceildiv(a, b)
          if a <= 0 then return 0 end
          local q = math.ceil(a / b)
          if (q - 1) * b >= a then q = q - 1 end
          return q
        end
        local level = capacity
        local stored = redis.call('HMGET', KEYS[1], 'level', 'time')
        if stored[1] and stored[2] then
          local last = tonumber(stored[1])
          local elapsed = now - tonumber(stored[2])
          if elapsed < 0 then elapsed = 0 end
          if elapsed * rate >= capacity - last then level = capacity else level = last + elapsed * rate end
        end
        local need = cost
        if need == 0 then need = unit end
        local accepted = 0
        if level >= need then
          accepted = 1
          level = level - cost
          if cost > 0 then
            redis.call('HSET', KEYS[1], 'level', string.format('%.0f', level), 'time', string.format('%.0f', now))
            redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(1, ceildiv(capacity - level, rate * 1000))))
          end
        end
        local want = need
        if accepted == 1 then want = unit end
        local remaining = math.floor(level / unit)
        if remaining * unit > level then remaining = remaining - 1 end
        return { accepted, remaining, ceildiv(want - level, rate), ceildiv(quota - level, rate) }
        """;

    /// <summary>The script's SHA-1, as Redis computes it for <c>SCRIPT LOAD</c> and expects in <c>EVALSHA</c>.</summary>
    public static readonly byte[] Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Text));

    /// <summary>The SHA-1 as lower-case hex, as <c>SCRIPT LOAD</c> returns it.</summary>
    public static readonly string Sha1Hex = Convert.ToHexStringLower(Sha1);
}
