using System.Collections.Concurrent;

namespace EdgeKit.RateLimiting;

/// <summary>What each named client has learned about its servers' limits.</summary>
internal sealed class ServerRateLimitStates
{
    private readonly ConcurrentDictionary<string, ServerRateLimitState> _states = new(StringComparer.Ordinal);

    public ServerRateLimitState For(string name) => _states.GetOrAdd(name, static _ => new ServerRateLimitState());
}
