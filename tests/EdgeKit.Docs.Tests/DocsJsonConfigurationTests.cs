using System.Text;
using System.Text.Json;
using EdgeKit.TestShared;
using Xunit.Abstractions;

namespace EdgeKit.Docs.Tests;

/// <summary>Every <c>```json</c> block of every docs page is EdgeKit configuration that binds and validates (conventions: <see cref="DocsConfiguration"/>).</summary>
public sealed class DocsJsonConfigurationTests(ITestOutputHelper output)
{
    private static readonly string Root = RepositoryRoot.Find();

    public static TheoryData<string> Pages() => new(MarkdownCodeBlock.Pages(Root).Where(page => JsonBlocks(page).Any()));

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_json_configuration_block_of_the_page_binds_and_validates(string page)
    {
        var failures = new StringBuilder();
        foreach (var block in JsonBlocks(page))
        {
            IReadOnlyList<string> errors;
            if (block.Has("gateway"))
            {
                // A whole gateway.json of the edgekit host (Host, Kestrel sections): checked by tests/EdgeKit.Gateway.Tests (DocsTests).
                continue;
            }

            if (block.Has("response"))
            {
                errors = Parses(block.Code) ? [] : ["an HTTP answer that is not valid JSON"];
            }
            else if (ImportTags.FirstOrDefault(block.Has) is { } dialect)
            {
                errors = await DocsConfiguration.ValidateImportAsync(block.Code, dialect);
            }
            else
            {
                errors = await DocsConfiguration.ValidateAsync(block.Code);
            }

            if (errors.Count > 0)
            {
                failures.AppendLine($"{block}:");
                foreach (string error in errors)
                {
                    failures.AppendLine($"  {error}");
                }
            }
        }

        failures.ToString().Should().BeEmpty("every configuration example in {0} is valid EdgeKit configuration", page);
    }

    [Fact]
    public void The_docs_have_configuration_examples_and_every_json_block_is_either_configuration_or_an_answer()
    {
        var blocks = MarkdownCodeBlock.Pages(Root).SelectMany(JsonBlocks).ToList();
        var answers = blocks.Where(b => b.Has("response")).ToList();
        output.WriteLine($"{blocks.Count} json blocks: {blocks.Count - answers.Count} configuration, {answers.Count} HTTP answers (```json response)");

        blocks.Count.Should().BeGreaterThanOrEqualTo(15);
        blocks.Where(b => b.Tags.Except(["response", "gateway", .. ImportTags]).Any() || b.Tags.Count > 1).Should().BeEmpty("a json block is configuration (EdgeKit's, or YARP's or Ocelot's for the importers) or an answer; nothing opts out");
        blocks.Where(b => b.Has("yarp")).Select(b => b.Page).Should().Contain("docs/migrating-from-yarp.md");
        blocks.Where(b => b.Has("ocelot")).Select(b => b.Page).Should().Contain("docs/migrating-from-ocelot.md");
        answers.Count.Should().BeLessThanOrEqualTo(blocks.Count / 4, "most JSON in the docs is configuration");
    }

    [Fact]
    public async Task A_configuration_block_with_a_problem_is_reported_with_every_problem()
    {
        const string Json = """
            { "EdgeKit": {
                "Clusters": { "orders": { "Destinations": { "a": { "Address": "http://10.0.0.11:8080", "Weight": "heavy" } } } },
                "Routes": { "orders": { "Match": { "Path": "/orders/{**rest}" }, "Cluster": "ordres" } },
                "Limits": { }
            } }
            """;

        var errors = await DocsConfiguration.ValidateAsync(Json);

        errors.Should().BeEquivalentTo(
            "`EdgeKit:Limits` is not a setting; the settings here are Clusters, Routes, Forwarder, SessionAffinity, ForwardedHeaders, IdentityForwarding, Status, ReloadThreadReserve, Aggregates, Caching, RateLimiting.",
            "`EdgeKit:Clusters:orders:Destinations:a:Weight`: 'heavy' is not a whole number.",
            "EdgeKit:Routes:orders: Cluster 'ordres' does not exist (known clusters: orders).");
        output.WriteLine(string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public async Task A_yarp_or_ocelot_block_with_a_problem_is_reported_with_the_importers_messages()
    {
        const string Yarp = """
            { "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/x" }, "OutputCachePolicy": "p" } },
                "Clusters": { "c": { "Destinations": { "d": { "Address": "http://10.0.0.1/", "Hots": "x" } } } } } }
            """;
        const string Ocelot = """
            { "Routes": [ { "DownstreamPathTemplate": "/a", "DownstreamHostAndPorts": [ { "Host": "10.0.0.1", "Port": 80 } ], "UpstreamPathTemplate": "/a", "FileCacheOptions": { "TtlSeconds": 5 } } ] }
            """;

        (await DocsConfiguration.ValidateImportAsync(Yarp, "yarp")).Should().BeEquivalentTo(
            "ReverseProxy:Clusters:c:Destinations:d:Hots is not a YARP destination setting; did you mean Host?",
            "ReverseProxy:Routes:r:OutputCachePolicy is not supported by EdgeKit: EdgeKit caches with its own HTTP caching policies rather than ASP.NET output caching; define one under EdgeKit:Caching:Policies and name it in the route's CachePolicy.");
        (await DocsConfiguration.ValidateImportAsync(Ocelot, "ocelot")).Should().ContainSingle()
            .Which.Should().StartWith("Routes:0:FileCacheOptions:TtlSeconds is not supported by EdgeKit: ");
        (await DocsConfiguration.ValidateImportAsync("{ \"Routes\": {} }", "yarp")).Should().ContainSingle()
            .Which.Should().Be("the block is not a YARP configuration file with a ReverseProxy section");
    }

    [Fact]
    public async Task A_block_that_is_not_a_configuration_file_is_reported()
    {
        (await DocsConfiguration.ValidateAsync("\"LoadBalancing\": { \"Strategy\": \"RoundRobin\" }"))
            .Should().ContainSingle().Which.Should().StartWith("not valid JSON");
        (await DocsConfiguration.ValidateAsync("{ \"LoadBalancing\": { \"Strategy\": \"RoundRobin\" } }"))
            .Should().ContainSingle().Which.Should().StartWith("the block is not a configuration file with an EdgeKit section");
    }

    /// <summary>Fence tags of configuration in another gateway's format, validated through EdgeKit's importer for it.</summary>
    private static readonly string[] ImportTags = ["yarp", "ocelot"];

    private static bool Parses(string json)
    {
        try
        {
            using var _ = JsonDocument.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static IEnumerable<MarkdownCodeBlock> JsonBlocks(string page) =>
        MarkdownCodeBlock.Read(Root, page).Where(b => b.Language == "json");
}
