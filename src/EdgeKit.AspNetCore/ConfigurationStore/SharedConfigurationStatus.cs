namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>Where an instance's shared sections come from.</summary>
internal enum SharedConfigurationOrigin
{
    /// <summary>Its own files: the store held no document, or could not be reached at start.</summary>
    File,

    /// <summary>A document from the store.</summary>
    Store,

    /// <summary>The last document it applied, from its local cache file (the store could not be reached at start).</summary>
    Cache,
}

/// <summary>A version an instance could not apply, and why (its document, so a different document under the same number, after a store was emptied, is tried).</summary>
internal sealed record SharedConfigurationRejection(long Version, IReadOnlyList<string> Errors, DateTimeOffset At, string Document);

/// <summary>What an instance applies from its configuration store, for the status API. Immutable; replaced as a whole.</summary>
internal sealed record SharedConfigurationStatus
{
    public SharedConfigurationOrigin Origin { get; init; }

    /// <summary>The version applied; null while the instance runs from its files.</summary>
    public long? AppliedVersion { get; init; }

    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Whether the last read of the store succeeded.</summary>
    public bool StoreReachable { get; init; }

    /// <summary>Why the last read of the store failed; null when it succeeded.</summary>
    public string? StoreError { get; init; }

    /// <summary>The last version the instance refused (it kept the configuration it had); null once a later one applies.</summary>
    public SharedConfigurationRejection? LastRejected { get; init; }
}
