using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Migration;
using EdgeKit.Configuration;

namespace EdgeKit.Gateway;

/// <summary>The peers whose configuration <c>edgekit convert</c> reads.</summary>
internal enum ConvertFrom
{
    /// <summary>YARP: an appsettings.json holding <c>ReverseProxy</c>, or the <c>ReverseProxy</c> section alone.</summary>
    Yarp,

    /// <summary>Ocelot: ocelot.json (<c>Routes</c>, <c>Aggregates</c>, <c>GlobalConfiguration</c>).</summary>
    Ocelot,
}

/// <summary>What <c>edgekit convert</c> made: the gateway.json text, and what could not be carried over.</summary>
/// <param name="Json">The EdgeKit file (indented JSON, settings at their defaults left out).</param>
/// <param name="NotCarriedOver">One sentence per key that has no EdgeKit equivalent (or is wrong), naming its path.</param>
/// <param name="CarriedInPart">
/// One sentence per key carried with a difference from the peer's behaviour (the importer's notes, e.g. a timeout answered
/// 504 where Ocelot answers 503).
/// </param>
internal sealed record ConversionResult(string Json, IReadOnlyList<string> NotCarriedOver, IReadOnlyList<string> CarriedInPart);

/// <summary>
/// Turns a YARP or Ocelot configuration into an EdgeKit file through the library's importers (the same that
/// <c>AddYarpConfiguration</c>/<c>AddOcelotConfiguration</c> use), written with the settings shapes so that every key
/// written is one the strict binding reads back.
/// </summary>
internal static class ConfigurationConverter
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

    public static ConversionResult Convert(ConvertFrom from, IConfiguration file)
    {
        var notCarried = new List<string>();
        JsonObject? logging = null;
        ImportedConfiguration imported;
        if (from == ConvertFrom.Yarp)
        {
            // An appsettings.json: ReverseProxy is read; its other sections are the app's, not the proxy's.
            var section = file.GetSection("ReverseProxy").Exists() ? (IConfiguration)file.GetSection("ReverseProxy") : file;
            if (section != file)
            {
                foreach (var other in file.GetChildren().Where(c => !c.Key.Equals("ReverseProxy", StringComparison.OrdinalIgnoreCase)))
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

            imported = YarpConfigurationImporter.Import(section);
        }
        else
        {
            imported = OcelotConfigurationImporter.Import(file);
        }

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

        return new ConversionResult(root.ToJsonString(s_indented) + Environment.NewLine, notCarried, imported.Notes);
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
    internal static JsonNode? ToJson(object? value, SettingShape shape)
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
