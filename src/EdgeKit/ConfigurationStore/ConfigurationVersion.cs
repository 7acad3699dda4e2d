namespace EdgeKit.ConfigurationStore;

/// <summary>
/// One version of the gateway's shared configuration document: the JSON object that stands for the <c>EdgeKit</c>
/// section's shared parts (routes, clusters, policies), with who wrote it, when and why. Immutable.
/// </summary>
public sealed class ConfigurationVersion
{
    /// <summary>Creates a version.</summary>
    /// <param name="version">The version number; 1 for the first document a store holds, then one more per write.</param>
    /// <param name="document">The document: a JSON object.</param>
    /// <param name="changedBy">Who wrote it (the authenticated user name); may be null when unknown.</param>
    /// <param name="changedAt">When it was written.</param>
    /// <param name="change">What the write was, in words (e.g. <c>PATCH Routes:orders</c>, <c>rollback to version 3</c>); may be null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is null.</exception>
    public ConfigurationVersion(long version, string document, string? changedBy, DateTimeOffset changedAt, string? change)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        ArgumentNullException.ThrowIfNull(document);
        Version = version;
        Document = document;
        ChangedBy = changedBy;
        ChangedAt = changedAt;
        Change = change;
    }

    /// <summary>The version number, from 1; each write adds one.</summary>
    public long Version { get; }

    /// <summary>The document: a JSON object holding the shared sections (<c>Routes</c>, <c>Clusters</c>...).</summary>
    public string Document { get; }

    /// <summary>Who wrote it (the admin API's authenticated user name), or null.</summary>
    public string? ChangedBy { get; }

    /// <summary>When it was written.</summary>
    public DateTimeOffset ChangedAt { get; }

    /// <summary>What the write was, in words, or null.</summary>
    public string? Change { get; }
}
