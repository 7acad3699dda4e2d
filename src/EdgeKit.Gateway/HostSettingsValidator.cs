using System.Text.Json;
using Microsoft.Extensions.Options;

namespace EdgeKit.Gateway;

/// <summary>
/// The checks of the <c>Host</c> section beyond its keys and types (which the strict binding checks), and of the Kestrel
/// endpoints' addresses: every problem at once, each naming its key.
/// </summary>
internal sealed class HostSettingsValidator(IConfiguration configuration) : IValidateOptions<HostSettings>
{
    /// <summary>Reads the process's environment (tests replace it).</summary>
    internal Func<string, string?> ReadEnvironment { get; init; } = Environment.GetEnvironmentVariable;

    public ValidateOptionsResult Validate(string? name, HostSettings options)
    {
        var errors = new List<string>();
        const string Section = HostSettings.SectionName;
        if (InlineIo.Conflict(options.InlineIo, ReadEnvironment(InlineIo.CompletionsVariable)) is { } conflict)
        {
            errors.Add(conflict);
        }

        if (options.ShutdownTimeout < TimeSpan.Zero)
        {
            errors.Add($"`{Section}:ShutdownTimeout`: '{options.ShutdownTimeout:c}' is negative.");
        }

        CheckPath(errors, $"{Section}:Health:LivePath", options.Health.LivePath);
        CheckPath(errors, $"{Section}:Health:ReadyPath", options.Health.ReadyPath);
        if (string.Equals(options.Health.LivePath, options.Health.ReadyPath, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"`{Section}:Health:ReadyPath`: '{options.Health.ReadyPath}' is also the LivePath; give each its own path.");
        }

        CheckEndpoint(errors, $"{Section}:Status", options.Status);
        CheckEndpoint(errors, $"{Section}:Dashboard", options.Dashboard);
        foreach (var (policyName, policy) in options.Cors)
        {
            string path = $"{Section}:Cors:{policyName}";
            if (policy.Origins.Count == 0)
            {
                errors.Add($"`{path}:Origins`: at least one origin is required (or \"*\" for any).");
            }

            foreach (var origin in policy.Origins.Where(o => o != "*"))
            {
                if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
                {
                    errors.Add($"`{path}:Origins`: '{origin}' is not an origin; write it as scheme://host[:port], e.g. https://app.example.com.");
                }
            }

            if (policy.AllowCredentials && policy.Origins.Contains("*"))
            {
                errors.Add($"`{path}:AllowCredentials`: credentials cannot be allowed for any origin (\"*\"); list the origins.");
            }
        }

        if (options.Telemetry.Prometheus.Enabled)
        {
            CheckPath(errors, $"{Section}:Telemetry:Prometheus:Path", options.Telemetry.Prometheus.Path);
        }

        if (options.Telemetry.Otlp.Endpoint is { } otlp && (!otlp.IsAbsoluteUri || otlp.Scheme is not ("http" or "https")))
        {
            errors.Add($"`{Section}:Telemetry:Otlp:Endpoint`: '{otlp}' is not an http:// or https:// address, e.g. http://collector:4317.");
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (string.IsNullOrEmpty(url))
            {
                errors.Add($"`{endpoint.Path}:Url` is required, e.g. http://0.0.0.0:8080.");
            }
            else if (!IsListenUrl(url))
            {
                errors.Add($"`{endpoint.Path}:Url`: '{url}' is not an address to listen on; write it as http://host:port or https://host:port (host: an IP address, localhost, or * for any).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckEndpoint(List<string> errors, string path, EndpointSettings endpoint)
    {
        if (endpoint.Path is { } p)
        {
            CheckPath(errors, path + ":Path", p);
        }

        if (endpoint.Policy is not { Length: > 0 } && endpoint.Path is not null)
        {
            errors.Add($"`{path}:Policy` is required: name the authorization policy that may see it (from EdgeKit:Authorization:Policies, \"default\" or \"anonymous\").");
        }

        // The policy itself is resolved by MapEdgeKitStatus/MapEdgeKitDashboard when the gateway starts.
    }

    private static void CheckPath(List<string> errors, string key, string value)
    {
        if (!value.StartsWith('/') || value.Contains('?') || value.Contains('#'))
        {
            errors.Add($"`{key}`: '{value}' is not a path; write it as /healthz/live.");
        }
    }

    private static bool IsListenUrl(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || url[..scheme] is not ("http" or "https"))
        {
            return false;
        }

        // Kestrel accepts * and + as hosts, which Uri does not.
        var normalized = url[..(scheme + 3)] + url[(scheme + 3)..].Replace("*", "any", StringComparison.Ordinal).Replace("+", "any", StringComparison.Ordinal);
        return Uri.TryCreate(normalized, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query);
    }
}

/// <summary>Logs, on a reload, that a change to the <c>Host</c> section applies at the next start only.</summary>
internal sealed class RestartRequiredWatcher(IOptionsMonitor<HostSettings> monitor, ILogger<RestartRequiredWatcher> logger) : IHostedService
{
    private IDisposable? _subscription;
    private string? _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = JsonSerializer.Serialize(monitor.CurrentValue);
        _subscription = monitor.OnChange(current =>
        {
            if (JsonSerializer.Serialize(current) != _started)
            {
                logger.LogWarning(new EventId(1900, "HostRestartRequired"), "The Host section of the configuration changed; it applies when the gateway is restarted.");
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
