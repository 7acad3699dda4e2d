namespace EdgeKit.ConfigurationStore;

/// <summary>
/// Where a fleet of gateways keeps its one shared configuration document and the document's history. Writes are
/// compare-and-set on the version, so of two writers that read the same version exactly one wins. A store never
/// validates documents: the gateway validates a document before writing it, so a store only ever holds documents that
/// passed. Implementations: <see cref="InMemoryConfigurationStore"/> (one process) and EdgeKit.Redis's
/// <c>RedisConfigurationStore</c> (a fleet).
/// </summary>
public interface IConfigurationStore
{
    /// <summary>The current version, or null while the store holds none.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The current version or null.</returns>
    /// <exception cref="ConfigurationStoreUnavailableException">The store cannot be reached.</exception>
    Task<ConfigurationVersion?> GetCurrentAsync(CancellationToken cancellationToken = default);

    /// <summary>One version of the history, or null when the store never held it or no longer keeps it.</summary>
    /// <param name="version">The version number.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The version or null.</returns>
    /// <exception cref="ConfigurationStoreUnavailableException">The store cannot be reached.</exception>
    Task<ConfigurationVersion?> GetVersionAsync(long version, CancellationToken cancellationToken = default);

    /// <summary>The versions kept, newest first, at most <paramref name="count"/>.</summary>
    /// <param name="count">The most versions returned; at least 1.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The versions, newest first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="ConfigurationStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<ConfigurationVersion>> GetHistoryAsync(int count, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a new version if the current one is still <paramref name="expectedVersion"/> (0: the store holds none), as
    /// one atomic step, and tells every subscriber. Returns null when another write came first (nothing is written).
    /// </summary>
    /// <param name="expectedVersion">The version the writer read; 0 when the store held none.</param>
    /// <param name="document">The document (a JSON object the gateway validated).</param>
    /// <param name="changedBy">Who writes it; may be null.</param>
    /// <param name="change">What the write is, in words; may be null.</param>
    /// <param name="cancellationToken">Cancels the write (it may still have happened).</param>
    /// <returns>The version written, or null when the current version is not <paramref name="expectedVersion"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expectedVersion"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is null.</exception>
    /// <exception cref="ConfigurationStoreUnavailableException">The store cannot be reached.</exception>
    Task<ConfigurationVersion?> TryWriteAsync(long expectedVersion, string document, string? changedBy, string? change, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="changed"/> with the new version number whenever a version is written, by any writer, until
    /// the returned subscription is disposed. Notifications can be lost (a broken connection): readers also check the
    /// current version periodically.
    /// </summary>
    /// <param name="changed">Called with the version written; must not block.</param>
    /// <param name="cancellationToken">Cancels subscribing.</param>
    /// <returns>The subscription; dispose it to stop.</returns>
    /// <exception cref="ConfigurationStoreUnavailableException">The store cannot be reached.</exception>
    Task<IAsyncDisposable> SubscribeAsync(Action<long> changed, CancellationToken cancellationToken = default);
}
