using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Migration;

/// <summary>
/// What an importer made of another gateway's configuration: EdgeKit routes, clusters, session affinity, authorization
/// policies and aggregates, or the errors that stop it. Built afresh from the configuration each time options are
/// created (at start and on every reload), so the imported configuration reloads exactly like EdgeKit's own.
/// </summary>
internal sealed class ImportedConfiguration
{
    public Dictionary<string, GatewayRouteOptions> Routes { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, ClusterOptions> Clusters { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, Affinity.SessionAffinityOptions> SessionAffinity { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, EdgeKitAuthorizationPolicyOptions> AuthorizationPolicies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, AggregateOptions> Aggregates { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitPolicyOptions> RateLimitPolicies { get; } = new(StringComparer.Ordinal);

    public List<string> Errors { get; } = [];

    /// <summary>
    /// The importer's report of what it carried only in part: one sentence per key, naming it and what differs from the
    /// peer gateway's behaviour. Logged (as warnings) once when the import is applied.
    /// </summary>
    public List<string> Notes { get; } = [];
}

/// <summary>
/// Adds an imported configuration to EdgeKit's options, after EdgeKit's own configuration is bound (a post-configure
/// step, so a name used by both is found whatever the order of the registrations). Every error of the import (and a name the import shares with
/// EdgeKit's own configuration) is thrown at once as an <see cref="EdgeKitConfigurationException"/>, which fails the
/// start, or on reload is logged and leaves the configuration in force unchanged.
/// </summary>
internal sealed class ImportedOptionsSetup(Func<ImportedConfiguration> import) :
    IPostConfigureOptions<GatewayOptions>,
    IPostConfigureOptions<EdgeKitOptions>,
    IPostConfigureOptions<EdgeKitAuthorizationOptions>,
    IPostConfigureOptions<AggregationOptions>,
    IPostConfigureOptions<EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitingOptions>
{
    public void PostConfigure(string? name, GatewayOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        var imported = import();
        Merge(imported, options.Routes, imported.Routes, "route");
        Merge(imported, options.SessionAffinity, imported.SessionAffinity, "session affinity");
        ThrowIfErrors(imported);
        LogNotes(imported);
    }

    private ILogger? _logger;
    private string? _lastNotes;

    /// <summary>Where the importer's report (<see cref="ImportedConfiguration.Notes"/>) is logged.</summary>
    public ImportedOptionsSetup LoggingTo(ILoggerFactory? loggerFactory)
    {
        _logger ??= loggerFactory?.CreateLogger("EdgeKit.Migration");
        return this;
    }

    private void LogNotes(ImportedConfiguration imported)
    {
        string joined = string.Join('\n', imported.Notes);
        if (_logger is null || imported.Notes.Count == 0 || Interlocked.Exchange(ref _lastNotes, joined) == joined)
        {
            return;
        }

        foreach (var note in imported.Notes)
        {
            MigrationLog.CarriedInPart(_logger, note);
        }
    }

    public void PostConfigure(string? name, EdgeKitOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        var imported = import();
        Merge(imported, options.Clusters, imported.Clusters, "cluster");
        ThrowIfErrors(imported);
    }

    public void PostConfigure(string? name, EdgeKitAuthorizationOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        var imported = import();
        // Policies are only made for an import without errors: the errors are reported by the gateway's options.
        if (imported.Errors.Count == 0)
        {
            foreach (var (policyName, policy) in imported.AuthorizationPolicies)
            {
                options.Policies[policyName] = policy;
            }
        }
    }

    public void PostConfigure(string? name, AggregationOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        var imported = import();
        if (imported.Errors.Count == 0)
        {
            foreach (var (aggregateName, aggregate) in imported.Aggregates)
            {
                options.Aggregates[aggregateName] = aggregate;
            }
        }
    }

    public void PostConfigure(string? name, EdgeKit.AspNetCore.RateLimiting.EdgeKitRateLimitingOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        var imported = import();
        if (imported.Errors.Count == 0)
        {
            foreach (var (policyName, policy) in imported.RateLimitPolicies)
            {
                options.Policies[policyName] = policy;
            }
        }
    }

    private static void Merge<T>(ImportedConfiguration imported, Dictionary<string, T> target, Dictionary<string, T> source, string what)
    {
        foreach (var (name, value) in source)
        {
            if (!target.TryAdd(name, value))
            {
                string start = value is not null && SourcePaths.Of(value) is { } path ? path + ": the" : "The";
                imported.Errors.Add($"{start} imported {what} '{name}' has the same name as one already configured (EdgeKit's own configuration or another import); rename one.");
            }
        }
    }

    private static void ThrowIfErrors(ImportedConfiguration imported)
    {
        if (imported.Errors.Count > 0)
        {
            throw new EdgeKitConfigurationException(imported.Errors);
        }
    }
}

internal static partial class MigrationLog
{
    [LoggerMessage(EventId = 1450, EventName = "ImportCarriedInPart", Level = LogLevel.Warning,
        Message = "Imported configuration carried in part: {Note}")]
    public static partial void CarriedInPart(ILogger logger, string note);
}
