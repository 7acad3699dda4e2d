using System.Text.Json.Nodes;
using EdgeKit.Configuration;
using EdgeKit.TestShared;
using Json.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Docs.Tests.Settings;

/// <summary>docs/edgekit.schema.json: generated from the options types, exactly the binder's keys, and every example valid against it.</summary>
public sealed class JsonSchemaTests
{
    private static readonly string Root = RepositoryRoot.Find();

    /// <summary>Loaded once: the library keeps schemas by their $id.</summary>
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(Root, JsonSchemaGenerator.File))));

    [Fact]
    public void The_schema_file_is_the_one_generated_from_the_options_types()
    {
        var path = Path.Combine(Root, JsonSchemaGenerator.File);
        var generated = JsonSchemaGenerator.Generate();
        var current = File.Exists(path) ? File.ReadAllText(path) : null;
        if (current != generated)
        {
            File.WriteAllText(path, generated);
        }

        current.Should().Be(generated, "the schema was stale and has been rewritten; run the tests again");
    }

    [Fact]
    public void The_schema_lists_exactly_the_keys_the_binder_accepts()
    {
        var configuration = new ConfigurationBuilder().Build();
        var section = configuration.GetSection("EdgeKit");
        var services = new ServiceCollection();
        services.AddEdgeKit().AddGateway(section).AddAuthorizationPolicies(section.GetSection("Authorization"));
        services.AddAuthentication()
            .AddEdgeKitJwt(section.GetSection("Authentication:Jwt"))
            .AddEdgeKitApiKeys(section.GetSection("Authentication:ApiKeys"))
            .AddEdgeKitHmac(section.GetSection("Authentication:Hmac"));
        var accepted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var strict in services.Select(d => d.ImplementationInstance).OfType<StrictSection>())
        {
            var path = strict.Path;
            var parts = path.Split(':');
            for (int i = 2; i < parts.Length; i++)
            {
                accepted.Add(string.Join(':', parts[..i]));
            }

            accepted.Add(path);
            Walk(path, strict.Shape, accepted);
        }

        accepted.Remove("EdgeKit");
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, JsonSchemaGenerator.File)))!;
        var listed = JsonSchemaGenerator.Keys(schema["properties"]!["EdgeKit"]!);

        listed.Except(accepted).Should().BeEmpty("the schema lists nothing the binder refuses");
        accepted.Except(listed).Should().BeEmpty("the schema lists everything the binder accepts");
    }

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var page in MarkdownCodeBlock.Pages(Root))
        {
            foreach (var block in MarkdownCodeBlock.Read(Root, page).Where(b => b.Language == "json" && !b.Has("response")))
            {
                data.Add($"{page}#{block.Index}");
            }
        }

        // The samples' own files, not the copies a build leaves in bin/ or obj/ (whether those exist depends on what
        // else ran before this theory's data was read, which made the case count vary from run to run).
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "samples"), "appsettings*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_docs_and_sample_configuration_validates_against_the_schema(string example)
    {
        string json = example.Contains('#', StringComparison.Ordinal)
            ? MarkdownCodeBlock.Read(Root, example.Split('#')[0]).Single(b => b.Language == "json" && b.Index == int.Parse(example.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture)).Code
            : File.ReadAllText(Path.Combine(Root, example));
        var schema = Schema.Value;

        var result = schema.Evaluate(System.Text.Json.JsonDocument.Parse(json, new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement,
            new EvaluationOptions { OutputFormat = OutputFormat.List });

        var problems = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
            .ToList();
        result.IsValid.Should().BeTrue(string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void A_misspelt_key_and_a_time_span_written_10s_do_not_validate()
    {
        var schema = Schema.Value;

        schema.Evaluate(Element("""{ "EdgeKit": { "Routes": { "r": { "AuthorisationPolicy": "default" } } } }""")).IsValid.Should().BeFalse();
        schema.Evaluate(Element("""{ "EdgeKit": { "Routes": { "r": { "Timeout": "10s" } } } }""")).IsValid.Should().BeFalse();
        schema.Evaluate(Element("""{ "EdgeKit": { "Routes": { "r": { "Timeout": "00:00:10", "Match": { "Headers": [ { "Mode": "Exact" } ] } } } } }""")).IsValid.Should().BeTrue();
    }

    private static System.Text.Json.JsonElement Element(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement;

    private static void Walk(string path, SettingsObject shape, SortedSet<string> keys)
    {
        foreach (var key in shape.Keys)
        {
            string below = path + ":" + key.Name;
            keys.Add(below);
            var inner = key.Shape;
            while (inner.Kind is SettingKind.Dictionary or SettingKind.List)
            {
                below += ":*";
                inner = inner.Element!;
            }

            if (inner.Kind == SettingKind.Object)
            {
                Walk(below, inner.Object!, keys);
            }
        }
    }
}
