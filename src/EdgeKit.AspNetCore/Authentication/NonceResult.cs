namespace EdgeKit.AspNetCore.Authentication;

/// <summary>What <see cref="NonceCache.TryAdd"/> did.</summary>
internal enum NonceResult
{
    /// <summary>The nonce is new and now remembered.</summary>
    Added,

    /// <summary>The nonce was seen within its lifetime: a replay.</summary>
    Replayed,

    /// <summary>The cache is full of live nonces; the request must be refused.</summary>
    Full,
}
