using BenchmarkDotNet.Attributes;
using EdgeKit.AspNetCore.IdentityForwarding;

namespace EdgeKit.Benchmarks;

/// <summary>
/// What the forwarder pays per request to drop forged identity headers in any spelling: the names of a typical request
/// (14 headers, one of them a forged <c>X_User_Id</c>) checked against three identity header names. Baseline: the
/// hop-by-hop check every header already gets. EdgeKit: that plus <see cref="IdentityHeaderNames.Contains"/> (a length
/// bit test, then a folded compare). Peer: a <see cref="HashSet{T}"/> with a folding comparer (hashes every name).
/// </summary>
[MemoryDiagnoser]
public class IdentityHeaderNamesBenchmarks
{
    private static readonly string[] s_incoming =
    [
        "Host", "Accept", "Accept-Encoding", "Accept-Language", "User-Agent", "Authorization", "Content-Type",
        "Content-Length", "Cookie", "X-Request-Id", "traceparent", "X-Forwarded-For", "Origin", "X_User_Id",
    ];

    private readonly IdentityHeaderNames _names = new(["X-User-Id", "X-Scopes", "X-Client-Id"]);
    private readonly HashSet<string> _set = new(["X-User-Id", "X-Scopes", "X-Client-Id"], new FoldingComparer());

    [Benchmark(Baseline = true, Description = "hop-by-hop check only")]
    public int HopByHopOnly()
    {
        int forwarded = 0;
        foreach (var name in s_incoming)
        {
            forwarded += EdgeKit.AspNetCore.Http.HeaderRules.IsNeverForwardedRequestHeader(name) ? 0 : 1;
        }

        return forwarded;
    }

    [Benchmark(Description = "+ IdentityHeaderNames")]
    public int WithIdentityHeaderNames()
    {
        int forwarded = 0;
        foreach (var name in s_incoming)
        {
            forwarded += EdgeKit.AspNetCore.Http.HeaderRules.IsNeverForwardedRequestHeader(name) || _names.Contains(name) ? 0 : 1;
        }

        return forwarded;
    }

    [Benchmark(Description = "+ HashSet, folding comparer")]
    public int WithFoldingHashSet()
    {
        int forwarded = 0;
        foreach (var name in s_incoming)
        {
            forwarded += EdgeKit.AspNetCore.Http.HeaderRules.IsNeverForwardedRequestHeader(name) || _set.Contains(name) ? 0 : 1;
        }

        return forwarded;
    }

    private sealed class FoldingComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => x is not null && y is not null && IdentityHeaderNames.Matches(x, y);

        public int GetHashCode(string obj)
        {
            var hash = default(HashCode);
            foreach (char c in obj)
            {
                hash.Add(c == '_' ? '-' : char.ToLowerInvariant(c));
            }

            return hash.ToHashCode();
        }
    }
}
