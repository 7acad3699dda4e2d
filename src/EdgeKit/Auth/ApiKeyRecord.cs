namespace EdgeKit.Auth;

/// <summary>
/// What an API key stands for: the client it identifies, its scopes and its rate-limit tier. The gateway's API key
/// scheme turns these into claims (<see cref="EdgeKitClaimTypes"/>), so authorization policies and the rate limiter
/// can use them.
/// </summary>
public sealed class ApiKeyRecord
{
    /// <summary>Creates a record.</summary>
    /// <param name="keyId">A name for the key that is safe to log (never the key itself), for example <c>orders-2025-01</c>.</param>
    /// <param name="hash">The key's SHA-256 (<see cref="ApiKeyHash.SizeInBytes"/> bytes); copied.</param>
    /// <param name="clientId">The client the key identifies.</param>
    /// <param name="scopes">The scopes granted; copied. Default none.</param>
    /// <param name="tier">The rate-limit tier, or <see langword="null"/> for none.</param>
    /// <param name="revoked">Whether the key is revoked (kept so that its use is logged as such).</param>
    /// <param name="notAfter">The moment after which the key is no longer accepted (for rotation), or <see langword="null"/> for never.</param>
    /// <exception cref="ArgumentException">When an argument is empty or the hash has the wrong length.</exception>
    public ApiKeyRecord(string keyId, ReadOnlySpan<byte> hash, string clientId, IEnumerable<string>? scopes = null, string? tier = null, bool revoked = false, DateTimeOffset? notAfter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        if (hash.Length != ApiKeyHash.SizeInBytes)
        {
            throw new ArgumentException($"An API key hash has {ApiKeyHash.SizeInBytes} bytes (SHA-256), this one has {hash.Length}.", nameof(hash));
        }

        KeyId = keyId;
        Hash = hash.ToArray();
        ClientId = clientId;
        Scopes = scopes is null ? [] : [.. scopes.Where(s => !string.IsNullOrWhiteSpace(s))];
        Tier = string.IsNullOrWhiteSpace(tier) ? null : tier;
        IsRevoked = revoked;
        NotAfter = notAfter;
    }

    /// <summary>A name for the key that is safe to log.</summary>
    public string KeyId { get; }

    /// <summary>The SHA-256 of the key.</summary>
    public ReadOnlyMemory<byte> Hash { get; }

    /// <summary>The client the key identifies.</summary>
    public string ClientId { get; }

    /// <summary>The scopes granted.</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>The rate-limit tier, or <see langword="null"/>.</summary>
    public string? Tier { get; }

    /// <summary>Whether the key is revoked.</summary>
    public bool IsRevoked { get; }

    /// <summary>The moment after which the key is no longer accepted, or <see langword="null"/> for never.</summary>
    public DateTimeOffset? NotAfter { get; }
}
