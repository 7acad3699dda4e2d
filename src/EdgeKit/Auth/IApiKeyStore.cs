namespace EdgeKit.Auth;

/// <summary>
/// A source of API keys other than configuration (a database, a secrets service). It is asked only about keys that
/// configuration does not know, by the SHA-256 of the presented key; it never sees the key itself.
/// </summary>
/// <remarks>
/// An implementation should compare hashes with <see cref="System.Security.Cryptography.CryptographicOperations.FixedTimeEquals"/>
/// (or look them up by a structure whose timing does not depend on how much of the hash matches); the caller checks
/// the returned record's hash again in constant time, and rejects a record whose hash differs.
/// </remarks>
public interface IApiKeyStore
{
    /// <summary>Finds the key whose SHA-256 is <paramref name="keyHash"/>.</summary>
    /// <param name="keyHash">The <see cref="ApiKeyHash.SizeInBytes"/>-byte hash of the presented key.</param>
    /// <param name="cancellationToken">Cancelled when the request is aborted.</param>
    /// <returns>The key's record, revoked ones included, or <see langword="null"/> when the store does not know it.</returns>
    ValueTask<ApiKeyRecord?> FindAsync(ReadOnlyMemory<byte> keyHash, CancellationToken cancellationToken);
}
