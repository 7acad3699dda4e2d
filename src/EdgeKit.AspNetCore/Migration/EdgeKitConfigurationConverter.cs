using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.Configuration;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Migration;

/// <summary>What <see cref="EdgeKitConfigurationConverter"/> made of another gateway's configuration.</summary>
public sealed class ConfigurationConversion
{
    internal ConfigurationConversion(string json, IReadOnlyList<string> notCarriedOver, IReadOnlyList<string> carriedInPart)
    {
        Json = json;
        NotCarriedOver = notCarriedOver;
        CarriedInPart = carriedInPart;
    }

    /// <summary>
    /// The EdgeKit configuration as an indented JSON document ending with a new line: an <c>EdgeKit</c> section (and,
    /// from a YARP appsettings file, its <c>Logging:LogLevel</c>), settings at their defaults left out, every key one
    /// EdgeKit's strict binding reads back. Names that hold ':' (Ocelot's <c>host:port</c> destinations, the
    /// importer's <c>ocelot:route0</c> policies) are written with '-', as are the settings that refer to them.
    /// </summary>
    public string Json { get; }

    /// <summary>
    /// One sentence per key that has no EdgeKit equivalent, or is wrong, naming its path and why; empty when everything
    /// was carried over. What is listed here is missing from <see cref="Json"/>.
    /// </summary>
    public IReadOnlyList<string> NotCarriedOver { get; }

    /// <summary>
    /// One sentence per key carried over with a difference from the other gateway's behaviour, naming its path and the
    /// difference (for example a rate limit that refills gradually where Ocelot's fixed window refills at once).
    /// </summary>
    public IReadOnlyList<string> CarriedInPart { get; }
}

/// <summary>
/// Turns a YARP or Ocelot configuration into an EdgeKit configuration file (the <c>edgekit convert</c> command), through
/// the same importers that <c>AddYarpConfiguration</c> and <c>AddOcelotConfiguration</c> run the other gateway's
/// configuration with, so the file behaves as the import does; and it lists what could not be carried over, and what was
/// carried with a difference.
/// </summary>
public static class EdgeKitConfigurationConverter
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>The settings that name an entry of another section; renamed with it (<see cref="ConfigurationKey"/>).</summary>
    private static readonly HashSet<string> s_references = new(StringComparer.OrdinalIgnoreCase)
    {
        "Cluster", "Aggregate", "AuthorizationPolicy", "RateLimiterPolicy", "CachePolicy", "CorsPolicy", "IdentityForwarding",
    };

    /// <summary>
    /// A name as a configuration key. The importers make some names with ':' (Ocelot's destinations are <c>host:port</c>,
    /// its policies <c>ocelot:route0</c>), which a configuration key cannot hold (':' separates sections); they are
    /// written with '-', and so are the settings that refer to them. Names from the peer's own file cannot hold ':'.
    /// </summary>
    private static string ConfigurationKey(string name) => name.Replace(':', '-');

    /// <summary>
    /// Converts YARP's configuration: an appsettings file holding a <c>ReverseProxy</c> section (its <c>Logging:LogLevel</c>
    /// is carried too; any other section is listed as not carried over), or the <c>ReverseProxy</c> section alone (its
    /// <c>Routes</c> and <c>Clusters</c>). See docs/migrating-from-yarp.md.
    /// </summary>
    /// <param name="configuration">The configuration, for example <c>new ConfigurationBuilder().AddJsonFile("appsettings.json").Build()</c>.</param>
    /// <returns>The EdgeKit configuration and what was not carried over, or carried with a difference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is null.</exception>
    public static ConfigurationConversion FromYarp(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var notCarried = new List<string>();
        JsonObject? logging = null;

        // An appsettings.json: ReverseProxy is read; its other sections are the app's, not the proxy's.
        var section = configuration.GetSection("ReverseProxy").Exists() ? (IConfiguration)configuration.GetSection("ReverseProxy") : configuration;
        if (section != configuration)
        {
            foreach (var other in configuration.GetChildren().Where(c => !c.Key.Equals("ReverseProxy", StringComparison.OrdinalIgnoreCase)))
            {
                if (other.Key.Equals("Logging", StringComparison.OrdinalIgnoreCase))
                {
                    logging = LogLevels(other, notCarried);
                }
                else
                {
                    notCarried.Add($"{other.Path} is not part of YARP's configuration and was not converted.");
                }
            }
        }

        return Convert(YarpConfigurationImporter.Import(section), notCarried, logging);
    }

    /// <summary>
    /// Converts Ocelot's configuration: what <c>ocelot.json</c> holds (<c>Routes</c>, <c>Aggregates</c>,
    /// <c>GlobalConfiguration</c>) and nothing else. See docs/migrating-from-ocelot.md.
    /// </summary>
    /// <param name="configuration">The configuration, for example <c>new ConfigurationBuilder().AddJsonFile("ocelot.json").Build()</c>.</param>
    /// <returns>The EdgeKit configuration and what was not carried over, or carried with a difference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is null.</exception>
    public static ConfigurationConversion FromOcelot(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Convert(OcelotConfigurationImporter.Import(configuration), [], logging: null);
    }

    private static ConfigurationConversion Convert(ImportedConfiguration imported, List<string> notCarried, JsonObject? logging)
    {
        notCarried.AddRange(imported.Errors);
        var edgeKit = new JsonObject();
        Add(edgeKit, "Clusters", imported.Clusters, EdgeKitSettingsShapes.ClusterOptions);
        Add(edgeKit, "Routes", imported.Routes, AspNetCoreSettingsShapes.GatewayRouteOptions);
        Add(edgeKit, "SessionAffinity", imported.SessionAffinity, AspNetCoreSettingsShapes.SessionAffinityOptions);
        Add(edgeKit, "Aggregates", imported.Aggregates, EdgeKitSettingsShapes.AggregateOptions);
        if (imported.AuthorizationPolicies.Count > 0)
        {
            var authorization = new JsonObject();
            Add(authorization, "Policies", imported.AuthorizationPolicies, AspNetCoreSettingsShapes.EdgeKitAuthorizationPolicyOptions);
            edgeKit["Authorization"] = authorization;
        }

        if (imported.RateLimitPolicies.Count > 0)
        {
            var rateLimiting = new JsonObject();
            Add(rateLimiting, "Policies", imported.RateLimitPolicies, AspNetCoreSettingsShapes.EdgeKitRateLimitPolicyOptions);
            edgeKit["RateLimiting"] = rateLimiting;
        }

        var root = new JsonObject { ["EdgeKit"] = edgeKit };
        if (logging is not null)
        {
            root["Logging"] = logging;
        }

        return new ConfigurationConversion(root.ToJsonString(s_indented) + Environment.NewLine, notCarried, [.. imported.Notes]);
    }

    /// <summary>The app's <c>Logging:LogLevel</c>, which gateway.json reads too; the rest of <c>Logging</c> is the app's own.</summary>
    private static JsonObject? LogLevels(IConfigurationSection logging, List<string> notCarried)
    {
        JsonObject? levels = null;
        foreach (var child in logging.GetChildren())
        {
            if (child.Key.Equals("LogLevel", StringComparison.OrdinalIgnoreCase))
            {
                levels = new JsonObject();
                foreach (var level in child.GetChildren())
                {
                    levels[level.Key] = level.Value;
                }
            }
            else
            {
                notCarried.Add($"{child.Path} was not converted: gateway.json's Logging section holds LogLevel only (the console format is Host:LogFormat).");
            }
        }

        return levels is null ? null : new JsonObject { ["LogLevel"] = levels };
    }

    private static void Add<T>(JsonObject target, string key, Dictionary<string, T> entries, SettingsObject shape)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var section = new JsonObject();
        foreach (var (name, value) in entries)
        {
            section[ConfigurationKey(name)] = ToJson(value, SettingShape.Of(shape)) ?? new JsonObject();
        }

        target[key] = section;
    }

    /// <summary>
    /// <paramref name="value"/> as configuration JSON of <paramref name="shape"/>: an object's keys that hold their
    /// default value (a new instance's) are left out.
    /// </summary>
    private static JsonNode? ToJson(object? value, SettingShape shape)
    {
        if (value is null)
        {
            return null;
        }

        switch (shape.Kind)
        {
            case SettingKind.Object:
            {
                var type = value.GetType();
                object? defaults = type.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(type) : null;
                var node = new JsonObject();
                foreach (var key in shape.Object!.Keys)
                {
                    var property = type.GetProperty(key.Name);
                    if (property?.GetMethod is null)
                    {
                        continue;
                    }

                    var json = ToJson(property.GetValue(value), key.Shape);
                    if (json is null)
                    {
                        continue;
                    }

                    if (defaults is not null && JsonNode.DeepEquals(json, ToJson(property.GetValue(defaults), key.Shape)))
                    {
                        continue;
                    }

                    if (s_references.Contains(key.Name) && json.GetValueKind() == JsonValueKind.String)
                    {
                        json = JsonValue.Create(ConfigurationKey(json.GetValue<string>()));
                    }

                    node[key.Name] = json;
                }

                return node;
            }

            case SettingKind.Dictionary:
            {
                var node = new JsonObject();
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    node[ConfigurationKey((string)entry.Key)] = ToJson(entry.Value, shape.Element!) ?? new JsonObject();
                }

                return node;
            }

            case SettingKind.List:
            {
                var node = new JsonArray();
                foreach (var element in (IEnumerable)value)
                {
                    node.Add(ToJson(element, shape.Element!));
                }

                return node;
            }

            case SettingKind.Boolean:
                return JsonValue.Create((bool)value);
            case SettingKind.Int32:
            case SettingKind.Int64:
                return JsonValue.Create(System.Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case SettingKind.Double:
                return JsonValue.Create(System.Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case SettingKind.TimeSpan:
                return JsonValue.Create(((TimeSpan)value).ToString("c", CultureInfo.InvariantCulture));
            case SettingKind.DateTimeOffset:
                return JsonValue.Create(((DateTimeOffset)value).ToString("O", CultureInfo.InvariantCulture));
            default:
                return JsonValue.Create(System.Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }
}
