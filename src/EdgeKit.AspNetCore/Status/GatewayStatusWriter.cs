using System.Text.Json;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.Destinations;

namespace EdgeKit.AspNetCore.Status;

/// <summary>Writes the gateway's status document: routes, clusters and destinations with their live state.</summary>
internal static class GatewayStatusWriter
{
    /// <summary>The request handler that answers with the status document (the status API and the dashboard's feed).</summary>
    /// <exception cref="InvalidOperationException">The gateway was not added; <paramref name="caller"/> names the mapping method.</exception>
    public static Microsoft.AspNetCore.Http.RequestDelegate CreateHandler(IServiceProvider services, string caller)
    {
        var configuration = (GatewayConfiguration?)services.GetService(typeof(GatewayConfiguration))
            ?? throw new InvalidOperationException($"The EdgeKit gateway is not registered. Call builder.Services.AddEdgeKit().AddGateway(...) before app.{caller}(...).");
        var registry = (ClusterRegistry)services.GetService(typeof(ClusterRegistry))!;
        var time = (TimeProvider?)services.GetService(typeof(TimeProvider)) ?? TimeProvider.System;
        var rateLimits = (RateLimiting.EdgeKitRateLimitPolicies?)services.GetService(typeof(RateLimiting.EdgeKitRateLimitPolicies));
        var options = (Microsoft.Extensions.Options.IOptionsMonitor<GatewayOptions>?)services.GetService(typeof(Microsoft.Extensions.Options.IOptionsMonitor<GatewayOptions>));
        var shared = (ConfigurationStore.SharedConfigurationSource?)services.GetService(typeof(ConfigurationStore.SharedConfigurationSource));
        return async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-store";
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
            Write(writer, configuration.Current, registry, time, rateLimits, options?.CurrentValue.Status.ShowAddresses ?? true, shared?.Provider.Status);
            await writer.FlushAsync(context.RequestAborted);
        };
    }

    public static void Write(Utf8JsonWriter writer, GatewayConfiguration.State state, ClusterRegistry registry, TimeProvider time, RateLimiting.EdgeKitRateLimitPolicies? rateLimits = null, bool showAddresses = true, ConfigurationStore.SharedConfigurationStatus? shared = null)
    {
        writer.WriteStartObject();
        writer.WriteString("generatedAt", time.GetUtcNow());
        writer.WriteStartArray("routes");
        foreach (var route in state.Routes.OrderBy(r => r.Options.Order).ThenBy(r => r.Id, StringComparer.OrdinalIgnoreCase))
        {
            var options = route.Options;
            writer.WriteStartObject();
            writer.WriteString("id", route.Id);
            writer.WriteString("path", options.Match.Path ?? RouteMatchOptions.CatchAllTemplate);
            WriteStrings(writer, "methods", options.Match.Methods);
            WriteStrings(writer, "hosts", options.Match.Hosts);
            writer.WriteNumber("order", options.Order);
            WriteOptional(writer, "cluster", options.Cluster);
            WriteOptional(writer, "aggregate", options.Aggregate);
            WriteOptional(writer, "authorizationPolicy", options.AuthorizationPolicy);
            WriteOptional(writer, "rateLimiterPolicy", options.RateLimiterPolicy);
            WriteOptional(writer, "cachePolicy", options.CachePolicy);
            writer.WriteNumber("timeoutSeconds", route.Timeout.TotalSeconds);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        Span<long> counts = stackalloc long[LatencyHistogram.BucketCount];
        writer.WriteStartArray("clusters");
        foreach (var cluster in registry.Clusters.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
        {
            var status = cluster.GetStatus();
            writer.WriteStartObject();
            writer.WriteString("name", status.Name);
            writer.WriteString("strategy", status.Strategy);
            writer.WriteBoolean("isPanic", status.IsPanic);
            writer.WriteNumber("available", status.Available);
            writer.WriteStartArray("destinations");
            foreach (var destination in status.Destinations)
            {
                writer.WriteStartObject();
                writer.WriteString("id", destination.Id);
                if (showAddresses)
                {
                    // Sensitive: the internal network's layout (see GatewayStatusOptions.ShowAddresses).
                    writer.WriteString("address", destination.Address.ToString());
                }

                writer.WriteNumber("weight", destination.Weight);
                writer.WriteNumber("effectiveWeight", destination.EffectiveWeight);
                writer.WriteString("health", destination.Health.ToString());
                writer.WriteString("activeHealth", destination.ActiveHealth.ToString());
                writer.WriteBoolean("isEjected", destination.IsEjected);
                writer.WriteNumber("ejectedForSeconds", destination.EjectedFor.TotalSeconds);
                writer.WriteNumber("ejectionCount", destination.EjectionCount);
                WriteOptional(writer, "ejectionReason", destination.EjectionReason);
                WriteOptional(writer, "ejectedUntil", destination.EjectedUntil);
                writer.WriteNumber("consecutiveProbeSuccesses", destination.ConsecutiveProbeSuccesses);
                writer.WriteNumber("consecutiveProbeFailures", destination.ConsecutiveProbeFailures);
                if (destination.LastProbeAt is { } probedAt)
                {
                    writer.WriteStartObject("lastProbe");
                    writer.WriteString("at", probedAt);
                    writer.WriteBoolean("passed", destination.LastProbePassed == true);
                    writer.WriteString("result", destination.LastProbeResult);
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteNull("lastProbe");
                }

                writer.WriteNumber("inFlight", destination.InFlight);
                writer.WriteNumber("latencyMilliseconds", destination.Latency.TotalMilliseconds);
                writer.WriteNumber("totalRequests", destination.TotalRequests);
                writer.WriteNumber("totalFailures", destination.TotalFailures);
                if (cluster.Snapshot.TryGetDestination(destination.Id, out var destinationState))
                {
                    WriteLatencyBuckets(writer, destinationState.Latencies, counts);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("rateLimitPolicies");
        if (rateLimits is not null)
        {
            foreach (var (name, policy) in rateLimits.Policies.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("store", policy.Store);
                writer.WriteString("partition", policy.Partition);
                writer.WriteStartArray("limits");
                foreach (var limit in policy.Limits)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("permitLimit", limit.PermitLimit);
                    writer.WriteNumber("windowSeconds", limit.Window.TotalSeconds);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteNumber("accepted", policy.Accepted);
                writer.WriteNumber("rejected", policy.Rejected);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        if (shared is not null)
        {
            // The shared configuration this instance applies (configuration store): its version and the last one it refused.
            ConfigurationStore.SharedConfigurationStatusWriter.Write(writer, shared);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Cumulative latency counts per bucket (see <see cref="LatencyHistogram"/>), trailing empty buckets left out;
    /// a reader compares two documents to get a window's percentiles.
    /// </summary>
    private static void WriteLatencyBuckets(Utf8JsonWriter writer, LatencyHistogram histogram, Span<long> counts)
    {
        histogram.CopyCounts(counts);
        int last = counts.LastIndexOfAnyExcept(0L);
        writer.WriteStartArray("latencyBuckets");
        for (int i = 0; i <= last; i++)
        {
            writer.WriteNumberValue(counts[i]);
        }

        writer.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } at)
        {
            writer.WriteString(name, at);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
