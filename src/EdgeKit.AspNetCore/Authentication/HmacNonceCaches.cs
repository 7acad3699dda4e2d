namespace EdgeKit.AspNetCore.Authentication;

/// <summary>One <see cref="NonceCache"/> per HMAC scheme, created on first use, for the application's life.</summary>
internal sealed class HmacNonceCaches
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, NonceCache> _caches = new(StringComparer.Ordinal);

    public NonceCache Get(string scheme, int capacity, TimeProvider timeProvider) =>
        _caches.GetOrAdd(scheme, static (_, state) => new NonceCache(state.capacity, state.timeProvider), (capacity, timeProvider));
}
