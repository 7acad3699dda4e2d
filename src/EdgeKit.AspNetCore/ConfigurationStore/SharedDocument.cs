using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>
/// The shared configuration document as JSON and as configuration keys: parsing (with the document-level rules: an
/// object, only shared sections, no secrets), flattening into keys below the section exactly as <c>appsettings.json</c>
/// is read, and writing configuration back as a document.
/// </summary>
internal sealed class SharedDocument(string sectionName, IEnumerable<string> sharedSections)
{
    /// <summary>Setting names that hold secrets wherever they appear (the options types' passwords, keys and secrets).</summary>
    private static readonly HashSet<string> s_secretNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "ClientCertificatePassword", "Secret", "ClientSecret", "SymmetricKey", "SigningKeys", "Password", "ConnectionString",
    };

    private readonly HashSet<string> _shared = new(sharedSections, StringComparer.OrdinalIgnoreCase);

    public string SectionName { get; } = sectionName;

    public IReadOnlyCollection<string> SharedSections => _shared;

    /// <summary>Whether a full configuration key lies in a shared section (<c>EdgeKit:Routes</c> and below).</summary>
    public bool IsShared(string key)
    {
        if (key.Length <= SectionName.Length || key[SectionName.Length] != ':' || !key.StartsWith(SectionName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = key.AsSpan(SectionName.Length + 1);
        int colon = rest.IndexOf(':');
        return _shared.GetAlternateLookup<ReadOnlySpan<char>>().Contains(colon < 0 ? rest : rest[..colon]);
    }

    /// <summary>
    /// The document's configuration keys (full paths, as <c>appsettings.json</c> would give them), or null with the
    /// reasons in <paramref name="errors"/>: not JSON, not an object, a section the document does not hold, a secret.
    /// </summary>
    public Dictionary<string, string?>? Flatten(string document, List<string> errors)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(document, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject;
        }
        catch (JsonException ex)
        {
            errors.Add($"`{SectionName}`: the document is not valid JSON: {ex.Message}");
            return null;
        }

        if (root is null)
        {
            errors.Add($"`{SectionName}`: the document must be a JSON object holding {string.Join(", ", _shared)}.");
            return null;
        }

        int before = errors.Count;
        foreach (var (key, _) in root)
        {
            if (!_shared.Contains(key))
            {
                errors.Add($"`{SectionName}:{key}` is not part of the shared document; it holds {string.Join(", ", _shared)} (the other sections stay in each instance's own configuration).");
            }
        }

        Dictionary<string, string?> data;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(document));
            var parsed = new ConfigurationBuilder().AddJsonStream(stream).Build();
            data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in parsed.AsEnumerable())
            {
                if (value is not null)
                {
                    // Leaves only (AsEnumerable lists every section too), as a file's provider holds them.
                    data[SectionName + ":" + key] = value;
                }
            }
        }
        catch (FormatException ex)
        {
            // Keys that differ only in case (JSON allows them; configuration keys are case-insensitive).
            errors.Add($"`{SectionName}`: {ex.Message}");
            return null;
        }

        foreach (var key in data.Keys.Select(SecretPath).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"`{key}` is a secret: the shared document never holds secrets (it is read through the admin API and by everyone with access to the store); keep it out of the document.");
        }

        return errors.Count > before ? null : data;
    }

    /// <summary>Whether a full configuration key (or a section) is or lies in a secret.</summary>
    public bool IsSecret(string key) => SecretPath(key) is not null;

    /// <summary>The secret setting a full configuration key is or lies in (<c>EdgeKit:SessionAffinity:a:Keys</c> for <c>...:Keys:0</c>); null when it is none.</summary>
    private static string? SecretPath(string key)
    {
        var segments = key.Split(':');
        for (int i = 0; i < segments.Length; i++)
        {
            // EdgeKit:SessionAffinity:<cluster>:Keys protect the affinity cookies.
            if (s_secretNames.Contains(segments[i])
                || (i == 3 && segments[1].Equals("SessionAffinity", StringComparison.OrdinalIgnoreCase) && segments[3].Equals("Keys", StringComparison.OrdinalIgnoreCase)))
            {
                return string.Join(':', segments, 0, i + 1);
            }
        }

        return null;
    }

    /// <summary>The document with every secret removed (a document written to the store by other means than the admin API).</summary>
    public string WithoutSecrets(string document)
    {
        var root = JsonNode.Parse(document);
        if (root is JsonObject obj)
        {
            RemoveSecrets(obj, SectionName);
        }

        return root?.ToJsonString() ?? "{}";
    }

    private void RemoveSecrets(JsonNode node, string path)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToArray())
            {
                string childPath = path + ":" + key;
                if (IsSecret(childPath))
                {
                    obj.Remove(key);
                }
                else if (child is not null)
                {
                    RemoveSecrets(child, childPath);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                if (array[i] is { } child)
                {
                    RemoveSecrets(child, path + ":" + i.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
    }

    /// <summary>
    /// The shared sections of <paramref name="configuration"/> (the instance's configuration as it is) as a document,
    /// secrets left out: what a store is seeded from. Values are strings, as configuration holds them; a section whose
    /// keys are 0, 1, 2... is a list.
    /// </summary>
    public string FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var child in section.GetChildren())
            {
                if (_shared.Contains(child.Key) && !IsSecret(child.Path))
                {
                    writer.WritePropertyName(child.Key);
                    WriteSection(writer, child);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void WriteSection(Utf8JsonWriter writer, IConfigurationSection section)
    {
        var children = section.GetChildren().Where(c => !IsSecret(c.Path)).ToList();
        if (children.Count == 0)
        {
            if (section.Value is { } value)
            {
                writer.WriteStringValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }

            return;
        }

        bool isList = children.Select((c, i) => c.Key == i.ToString(CultureInfo.InvariantCulture)).All(b => b);
        if (isList)
        {
            writer.WriteStartArray();
            foreach (var child in children)
            {
                WriteSection(writer, child);
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        foreach (var child in children)
        {
            writer.WritePropertyName(child.Key);
            WriteSection(writer, child);
        }

        writer.WriteEndObject();
    }
}
