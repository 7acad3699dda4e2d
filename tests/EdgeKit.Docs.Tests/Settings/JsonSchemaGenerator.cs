using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EdgeKit.AspNetCore.Authentication;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.Configuration;

namespace EdgeKit.Docs.Tests.Settings;

/// <summary>
/// Writes the JSON Schema of a configuration file's <c>EdgeKit</c> section from the settings shapes (the keys the strict
/// binder accepts), with each key's description from the options types' XML docs, enums listed and time spans patterned.
/// </summary>
internal static partial class JsonSchemaGenerator
{
    public const string File = "docs/edgekit.schema.json";

    /// <summary>What the binder reads as a time span: <c>[-][d.]hh:mm[:ss[.fffffff]]</c>.</summary>
    public const string TimeSpanPattern = @"^-?(\d+\.)?\d{1,2}:\d{2}(:\d{2}(\.\d{1,7})?)?$";

    public static string Generate()
    {
        var types = TypesByShape();
        var docs = XmlDocs();
        var edgeKit = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "EdgeKit's configuration: clusters, gateway routes and the policies they name.",
            ["additionalProperties"] = false,
        };
        var properties = new JsonObject();
        foreach (var shape in new[] { EdgeKitSettingsShapes.EdgeKitOptions, AspNetCoreSettingsShapes.GatewayOptions, EdgeKitSettingsShapes.AggregationOptions })
        {
            foreach (var key in shape.Keys)
            {
                properties[key.Name] = Value(key.Shape, Describe(types, docs, shape, key.Name), types, docs);
            }
        }

        properties["Caching"] = Object(Microsoft.Extensions.DependencyInjection.EdgeKitBuilderCachingExtensions.CachingSection, types, docs,
            "HTTP cache policies (Policies:<name>, named by routes' CachePolicy) and the in-memory store (Memory).");
        properties["RateLimiting"] = Object(AspNetCoreSettingsShapes.EdgeKitRateLimitingOptions, types, docs, Summary(docs, typeof(EdgeKitRateLimitingOptions)));
        properties["Authorization"] = Object(AspNetCoreSettingsShapes.EdgeKitAuthorizationOptions, types, docs, Summary(docs, typeof(EdgeKitAuthorizationOptions)));
        properties["Authentication"] = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "Authentication schemes: Jwt (AddEdgeKitJwt), ApiKeys (AddEdgeKitApiKeys), Hmac (AddEdgeKitHmac).",
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject
            {
                ["Jwt"] = Object(AspNetCoreSettingsShapes.EdgeKitJwtOptions, types, docs, Summary(docs, typeof(EdgeKitJwtOptions))),
                ["ApiKeys"] = Object(AspNetCoreSettingsShapes.ApiKeyAuthenticationOptions, types, docs, Summary(docs, typeof(ApiKeyAuthenticationOptions))),
                ["Hmac"] = Object(AspNetCoreSettingsShapes.HmacAuthenticationOptions, types, docs, Summary(docs, typeof(HmacAuthenticationOptions))),
            },
        };
        edgeKit["properties"] = properties;
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "edgekit.schema.json",
            ["title"] = "EdgeKit configuration (appsettings.json)",
            ["type"] = "object",
            ["properties"] = new JsonObject { ["EdgeKit"] = edgeKit },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Every key the schema allows under <c>EdgeKit</c>, as paths with <c>*</c> for names and list indexes (for comparing with the binder's).</summary>
    public static SortedSet<string> Keys(JsonNode schema, string path = "EdgeKit")
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, value) in properties)
            {
                keys.Add(path + ":" + name);
                keys.UnionWith(Keys(value!, path + ":" + name));
            }
        }

        if (schema["additionalProperties"] is JsonObject element)
        {
            keys.UnionWith(Keys(element, path + ":*"));
        }

        if (schema["items"] is JsonObject item)
        {
            keys.UnionWith(Keys(item, path + ":*"));
        }

        return keys;
    }

    private static JsonObject Object(SettingsObject shape, Dictionary<SettingsObject, Type> types, Dictionary<string, string> docs, string? description)
    {
        var properties = new JsonObject();
        foreach (var key in shape.Keys)
        {
            properties[key.Name] = Value(key.Shape, Describe(types, docs, shape, key.Name), types, docs);
        }

        var node = new JsonObject { ["type"] = "object" };
        if (description is not null)
        {
            node["description"] = description;
        }

        node["additionalProperties"] = false;
        node["properties"] = properties;
        return node;
    }

    private static JsonObject Value(SettingShape shape, string? description, Dictionary<SettingsObject, Type> types, Dictionary<string, string> docs)
    {
        JsonObject node = shape.Kind switch
        {
            SettingKind.Object => Object(shape.Object!, types, docs, null),
            SettingKind.Dictionary => new JsonObject { ["type"] = "object", ["additionalProperties"] = Value(shape.Element!, null, types, docs) },
            SettingKind.List => new JsonObject { ["type"] = "array", ["items"] = Value(shape.Element!, null, types, docs) },
            SettingKind.Boolean => new JsonObject { ["type"] = new JsonArray("boolean", "string"), ["pattern"] = "^(?i:true|false)$" },
            SettingKind.Int32 or SettingKind.Int64 => new JsonObject { ["type"] = new JsonArray("integer", "string"), ["pattern"] = @"^\s*[-+]?\d+\s*$" },
            SettingKind.Double => new JsonObject { ["type"] = new JsonArray("number", "string"), ["pattern"] = @"^\s*[-+]?(\d[\d,]*)?(\.\d+)?([eE][-+]?\d+)?\s*$" },
            SettingKind.TimeSpan => new JsonObject { ["type"] = "string", ["pattern"] = TimeSpanPattern, ["examples"] = new JsonArray("00:00:30", "1.00:00:00") },
            SettingKind.Enum => new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(shape.EnumNames.Select(n => (JsonNode)n).ToArray()) },
            SettingKind.DateTimeOffset => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            SettingKind.Uri => new JsonObject { ["type"] = "string", ["format"] = "uri-reference" },
            _ => new JsonObject { ["type"] = "string" },
        };
        if (shape.Kind == SettingKind.Enum && shape.IsFlags)
        {
            node.Remove("enum");
            node["pattern"] = "^(?i:" + string.Join("|", shape.EnumNames) + ")(\\s*,\\s*(?i:" + string.Join("|", shape.EnumNames) + "))*$";
        }

        if (description is not null)
        {
            var ordered = new JsonObject { ["description"] = description };
            foreach (var (name, value) in node.ToList())
            {
                node.Remove(name);
                ordered[name] = value;
            }

            return ordered;
        }

        return node;
    }

    private static string? Describe(Dictionary<SettingsObject, Type> types, Dictionary<string, string> docs, SettingsObject owner, string key)
    {
        if (!types.TryGetValue(owner, out var type))
        {
            return null;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            if (docs.TryGetValue($"P:{t.FullName}.{key}", out var text))
            {
                return text;
            }
        }

        return null;
    }

    private static string? Summary(Dictionary<string, string> docs, Type type) => docs.GetValueOrDefault("T:" + type.FullName);

    /// <summary>The options type of each generated shape.</summary>
    private static Dictionary<SettingsObject, Type> TypesByShape()
    {
        var byName = new Dictionary<(Assembly, string), Type>();
        var queue = new Queue<Type>(SettingsShapeGenerator.Roots);
        while (queue.TryDequeue(out var type))
        {
            if (!byName.TryAdd((type.Assembly, SettingsShapeGenerator.FieldName(type)), type))
            {
                continue;
            }

            foreach (var property in SettingsShapeGenerator.SettableProperties(type))
            {
                var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                while (t.IsGenericType || t.IsArray)
                {
                    t = t.IsArray ? t.GetElementType()! : t.GetGenericArguments()[^1];
                }

                if (t.IsClass && t.Namespace?.StartsWith("EdgeKit", StringComparison.Ordinal) == true)
                {
                    queue.Enqueue(t);
                }
            }
        }

        var result = new Dictionary<SettingsObject, Type>();
        foreach (var (assembly, _, ns, className) in SettingsShapeGenerator.Outputs)
        {
            var shapes = assembly.GetType(ns + "." + className)!;
            foreach (var field in shapes.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                if (byName.TryGetValue((assembly, field.Name), out var type))
                {
                    result[(SettingsObject)field.GetValue(null)!] = type;
                }
            }
        }

        return result;
    }

    /// <summary>Member summaries from the libraries' XML documentation files, as plain text.</summary>
    private static Dictionary<string, string> XmlDocs()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "EdgeKit.xml", "EdgeKit.AspNetCore.xml", "EdgeKit.Redis.xml" })
        {
            var document = XDocument.Load(Path.Combine(AppContext.BaseDirectory, name));
            foreach (var member in document.Descendants("member"))
            {
                if (member.Element("summary") is { } summary && member.Attribute("name")?.Value is { } id)
                {
                    docs[id] = Plain(summary);
                }
            }
        }

        return docs;
    }

    private static string Plain(XElement summary)
    {
        var text = string.Concat(summary.Nodes().Select(node => node switch
        {
            XText t => t.Value,
            XElement { Name.LocalName: "see" or "seealso" } e => e.Attribute("langword")?.Value
                ?? (e.Attribute("cref")?.Value is { } cref ? cref[(cref.LastIndexOf('.') + 1)..] : e.Value),
            XElement { Name.LocalName: "paramref" or "typeparamref" } e => e.Attribute("name")?.Value ?? "",
            XElement e => e.Value,
            _ => "",
        }));
        return Whitespace().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
