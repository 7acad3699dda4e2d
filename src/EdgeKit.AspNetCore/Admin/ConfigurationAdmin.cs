using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.ConfigurationStore;
using EdgeKit.AspNetCore.Http;
using EdgeKit.ConfigurationStore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Admin;

/// <summary>
/// The admin API's handlers: the shared configuration document read, replaced, patched, validated, listed and rolled
/// back, with optimistic concurrency on the version (<c>ETag</c>/<c>If-Match</c>). Every write is validated on this
/// instance first (the dry run), so a document that fails is never stored. Secrets are never returned.
/// </summary>
internal sealed class ConfigurationAdmin(
    SharedConfigurationSource source,
    SharedDocumentValidator validator,
    SharedConfigurationApplier applier,
    IConfiguration configuration)
{
    /// <summary>The largest document accepted, in bytes.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>Problem type: the document (or patched entry) does not validate (400, with <c>errors</c>).</summary>
    public const string InvalidConfiguration = "urn:edgekit:problem:invalid-configuration";

    private const string PreconditionRequired = "urn:edgekit:problem:precondition-required";
    private const string PreconditionFailed = "urn:edgekit:problem:precondition-failed";
    private const string BadRequest = "urn:edgekit:problem:bad-request";
    private const string NotFound = "urn:edgekit:problem:not-found";
    private const string StoreUnavailable = "urn:edgekit:problem:configuration-store-unavailable";
    private const string UnsupportedMediaType = "urn:edgekit:problem:unsupported-media-type";
    private const string TooLarge = "urn:edgekit:problem:request-body-too-large";

    /// <summary>The entries PATCH replaces: a collection's path and how many segments name an entry in it.</summary>
    private static readonly string[][] s_patchable =
    [
        ["Routes"], ["Clusters"], ["Aggregates"], ["IdentityForwarding"], ["SessionAffinity"],
        ["RateLimiting", "Policies"], ["Caching", "Policies"],
    ];

    private SharedDocument Document => source.Provider.Document;

    /// <summary>GET: the current document (secrets left out), its version in <c>ETag</c>; version 0 while the store holds none.</summary>
    public Task GetAsync(HttpContext context) => Guard(context, async () =>
    {
        var current = await source.Store.GetCurrentAsync(context.RequestAborted);
        string document = current is null ? Document.FromConfiguration(configuration) : Document.WithoutSecrets(current.Document);
        await WriteDocumentAsync(context, current?.Version ?? 0, document);
    });

    /// <summary>GET versions/{version}: one version's document (secrets left out).</summary>
    public Task GetVersionAsync(HttpContext context, long version) => Guard(context, async () =>
    {
        if (await source.Store.GetVersionAsync(version, context.RequestAborted) is not { } found)
        {
            await Problem(context, 404, NotFound, "No such version", $"The store does not hold version {version}.");
            return;
        }

        await WriteDocumentAsync(context, found.Version, Document.WithoutSecrets(found.Document));
    });

    /// <summary>GET versions: who changed what and when, newest first.</summary>
    public Task ListAsync(HttpContext context) => Guard(context, async () =>
    {
        int count = 50;
        if (context.Request.Query.TryGetValue("count", out var text)
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            await Problem(context, 400, BadRequest, "Bad count", $"count '{text}' is not a whole number from 1 to 1000.");
            return;
        }

        var versions = await source.Store.GetHistoryAsync(count, context.RequestAborted);
        await WriteJsonAsync(context, 200, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("versions");
            foreach (var version in versions)
            {
                WriteVersion(writer, version);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    });

    /// <summary>PUT: replaces the document (If-Match required).</summary>
    public Task PutAsync(HttpContext context) => Guard(context, async () =>
    {
        if (await ExpectedVersionAsync(context) is not { } expected || await ReadBodyAsync(context) is not { } body)
        {
            return;
        }

        await WriteAsync(context, expected, body, "PUT");
    });

    /// <summary>PATCH {collection}/{name}: replaces one route, cluster or policy (a JSON null body removes it); If-Match required.</summary>
    public Task PatchAsync(HttpContext context, string? path) => Guard(context, async () =>
    {
        var segments = (path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var collection = s_patchable.FirstOrDefault(c => segments.Length == c.Length + 1
            && c.Select((s, i) => s.Equals(segments[i], StringComparison.OrdinalIgnoreCase)).All(b => b)
            && Document.SharedSections.Contains(c[0], StringComparer.OrdinalIgnoreCase));
        if (collection is null)
        {
            string allowed = string.Join(", ", s_patchable.Where(c => Document.SharedSections.Contains(c[0], StringComparer.OrdinalIgnoreCase)).Select(c => string.Join('/', c) + "/{name}"));
            await Problem(context, 404, NotFound, "Not a patchable entry", $"'{path}' is not an entry of the shared document; patch one of {allowed}.");
            return;
        }

        if (await ExpectedVersionAsync(context) is not { } expected || await ReadBodyAsync(context) is not { } body)
        {
            return;
        }

        JsonNode? entry;
        try
        {
            entry = JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            await Invalid(context, [$"`{Document.SectionName}:{string.Join(':', segments)}`: the body is not valid JSON: {ex.Message}"]);
            return;
        }

        var current = await source.Store.GetCurrentAsync(context.RequestAborted);
        long version = current?.Version ?? 0;
        if (expected != AnyVersion && expected != version)
        {
            await LostRace(context, expected, version);
            return;
        }

        var root = JsonNode.Parse(current?.Document ?? Document.FromConfiguration(configuration)) as JsonObject ?? [];
        var parent = root;
        foreach (var name in collection)
        {
            parent = Child(parent, name);
        }

        string key = segments[^1];
        if (parent.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Key is { } existing)
        {
            parent.Remove(existing);
        }

        if (entry is not null)
        {
            parent[key] = entry;
        }

        await WriteAsync(context, version, root.ToJsonString(), $"PATCH {string.Join(':', collection)}:{key}");
    });

    /// <summary>POST validate: the dry run; 200 when this instance would apply the document, else 400 with every problem.</summary>
    public Task ValidateAsync(HttpContext context) => Guard(context, async () =>
    {
        if (await ReadBodyAsync(context) is not { } body)
        {
            return;
        }

        var errors = validator.Validate(body);
        if (errors.Count > 0)
        {
            await Invalid(context, errors);
            return;
        }

        await WriteJsonAsync(context, 200, writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("valid", true);
            writer.WriteEndObject();
        });
    });

    /// <summary>POST rollback/{version}: writes that version's document again, as a new version (If-Match required).</summary>
    public Task RollbackAsync(HttpContext context, long target) => Guard(context, async () =>
    {
        if (await ExpectedVersionAsync(context) is not { } expected)
        {
            return;
        }

        if (await source.Store.GetVersionAsync(target, context.RequestAborted) is not { } found)
        {
            await Problem(context, 404, NotFound, "No such version", $"The store does not hold version {target}.");
            return;
        }

        await WriteAsync(context, expected, found.Document, $"rollback to version {target}");
    });

    private const long AnyVersion = -1;

    private async Task WriteAsync(HttpContext context, long expected, string document, string change)
    {
        var errors = validator.Validate(document);
        if (errors.Count > 0)
        {
            await Invalid(context, errors);
            return;
        }

        if (expected == AnyVersion)
        {
            expected = (await source.Store.GetCurrentAsync(context.RequestAborted))?.Version ?? 0;
        }

        var written = await source.Store.TryWriteAsync(expected, document, context.User.Identity?.Name, change, context.RequestAborted);
        if (written is null)
        {
            long now = (await source.Store.GetCurrentAsync(context.RequestAborted))?.Version ?? 0;
            await LostRace(context, expected, now);
            return;
        }

        // This instance applies it now; the others on the store's notification (or their next check).
        applier.Wake();
        context.Response.Headers.ETag = ETag(written.Version);
        await WriteJsonAsync(context, 200, writer => WriteVersion(writer, written));
    }

    private static JsonObject Child(JsonObject parent, string name)
    {
        var found = parent.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (found.Value is JsonObject child)
        {
            return child;
        }

        if (found.Key is not null)
        {
            parent.Remove(found.Key);
        }

        child = [];
        parent[found.Key ?? name] = child;
        return child;
    }

    /// <summary>The version in If-Match (<c>"3"</c>, or <c>*</c>); writes 428 or 400 and returns null when it is missing or malformed.</summary>
    private static async Task<long?> ExpectedVersionAsync(HttpContext context)
    {
        string? header = context.Request.Headers.IfMatch;
        if (string.IsNullOrWhiteSpace(header))
        {
            await Problem(context, 428, PreconditionRequired, "If-Match required",
                "Changes need the version they are based on: send If-Match with the ETag of GET (e.g. If-Match: \"3\"), or * to replace whatever is current.");
            return null;
        }

        header = header.Trim();
        if (header == "*")
        {
            return AnyVersion;
        }

        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }

        if (header.Length >= 3 && header[0] == '"' && header[^1] == '"'
            && long.TryParse(header.AsSpan(1, header.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out long version))
        {
            return version;
        }

        await Problem(context, 400, BadRequest, "Bad If-Match", $"If-Match '{context.Request.Headers.IfMatch}' is not a version ETag such as \"3\" (or *).");
        return null;
    }

    private static Task LostRace(HttpContext context, long expected, long current)
    {
        // Written here rather than by GatewayProblem, which clears the headers: the ETag tells the client the version to base on.
        context.Response.Headers.ETag = ETag(current);
        return WriteJsonAsync(context, 412, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", PreconditionFailed);
            writer.WriteString("title", "The configuration changed");
            writer.WriteNumber("status", 412);
            writer.WriteString("detail", $"The change was based on version {expected} but the current version is {current}; read it again (GET), reapply the change and send it with If-Match: \"{current}\".");
            writer.WriteEndObject();
        }, GatewayProblem.ContentType);
    }

    /// <summary>The request's JSON body as text; writes 415 or 413 and returns null when it is not JSON or too large.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContext context)
    {
        var type = context.Request.ContentType;
        if (type is null || !(type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.Split(';')[0].Trim() is var media && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))))
        {
            await Problem(context, 415, UnsupportedMediaType, "JSON expected", $"The body must be JSON (Content-Type: application/json), not '{type ?? "(none)"}'.");
            return null;
        }

        if (context.Request.ContentLength > MaxDocumentBytes)
        {
            await Problem(context, 413, TooLarge, "Document too large", $"The body is larger than {MaxDocumentBytes} bytes.");
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxDocumentBytes)
            {
                await Problem(context, 413, TooLarge, "Document too large", $"The body is larger than {MaxDocumentBytes} bytes.");
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Runs a handler; the store unreachable is a 503 problem.</summary>
    private static async Task Guard(HttpContext context, Func<Task> handler)
    {
        try
        {
            await handler();
        }
        catch (ConfigurationStoreUnavailableException)
        {
            await Problem(context, 503, StoreUnavailable, "Configuration store unavailable",
                "The configuration store cannot be reached; nothing was read or changed. The gateways keep serving the configuration they applied.");
        }
    }

    private static Task Problem(HttpContext context, int status, string type, string title, string detail) =>
        GatewayProblem.WriteAsync(context, status, type, title, detail);

    /// <summary>400 problem+json listing every problem with its configuration path.</summary>
    internal static Task Invalid(HttpContext context, IReadOnlyList<string> errors)
    {
        context.Response.ContentType = GatewayProblem.ContentType;
        return WriteJsonAsync(context, 400, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", InvalidConfiguration);
            writer.WriteString("title", "The configuration is not valid");
            writer.WriteNumber("status", 400);
            writer.WriteString("detail", errors.Count == 1 ? "1 problem; nothing was stored." : $"{errors.Count} problems; nothing was stored.");
            writer.WriteStartArray("errors");
            foreach (var error in errors)
            {
                writer.WriteStartObject();
                writer.WriteString("path", PathOf(error));
                writer.WriteString("message", error);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }, GatewayProblem.ContentType);
    }

    /// <summary>The configuration path a problem names: <c>`EdgeKit:Routes:a:Timeout`: ...</c> or <c>EdgeKit:Routes:a: ...</c>.</summary>
    internal static string PathOf(string error)
    {
        if (error.StartsWith('`') && error.IndexOf('`', 1) is > 1 and var end)
        {
            return error[1..end];
        }

        int colonSpace = error.IndexOf(": ", StringComparison.Ordinal);
        int space = error.IndexOf(' ', StringComparison.Ordinal);
        int stop = colonSpace >= 0 && (space < 0 || colonSpace < space) ? colonSpace : space;
        string head = stop < 0 ? error : error[..stop];
        return head.Contains(':', StringComparison.Ordinal) ? head.TrimEnd(':', '.', ',') : "";
    }

    private static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    private static Task WriteDocumentAsync(HttpContext context, long version, string document)
    {
        context.Response.Headers.ETag = ETag(version);
        return WriteJsonAsync(context, 200, writer =>
        {
            using var parsed = JsonDocument.Parse(document);
            parsed.WriteTo(writer);
        });
    }

    private static void WriteVersion(Utf8JsonWriter writer, ConfigurationVersion version)
    {
        writer.WriteStartObject();
        writer.WriteNumber("version", version.Version);
        writer.WriteString("changedBy", version.ChangedBy);
        writer.WriteString("changedAt", version.ChangedAt);
        writer.WriteString("change", version.Change);
        writer.WriteEndObject();
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write, string contentType = "application/json")
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-store";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
