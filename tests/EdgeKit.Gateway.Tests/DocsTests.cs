using System.Text.RegularExpressions;
using EdgeKit.Gateway.Tests.TestSupport;
using EdgeKit.TestShared;

namespace EdgeKit.Gateway.Tests;

/// <summary>The gateway.json examples of the docs and the sample pass <c>edgekit check</c>.</summary>
public sealed partial class DocsTests
{
    private static readonly string Root = RepositoryRoot.Find();

    [GeneratedRegex("^```json gateway\\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex GatewayBlock();

    [Fact]
    public async Task Every_gateway_json_block_of_the_docs_passes_the_check_but_for_its_certificate_files()
    {
        var page = File.ReadAllText(Path.Combine(Root, "docs", "gateway-host.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var blocks = GatewayBlock().Matches(page).Select(m => m.Groups[1].Value).ToList();
        blocks.Should().HaveCount(5);
        using var folder = new TempFolder();
        var failures = new List<string>();
        for (int i = 0; i < blocks.Count; i++)
        {
            var file = folder.Write($"block{i}.json", blocks[i]);
            var (_, output, error) = await CheckTests.RunAsync("check", file);
            error.Should().BeEmpty();
            // The TLS example names certificate files and a store that do not exist here; every other key must pass.
            failures.AddRange(output.Split('\n')
                .Where(line => line.StartsWith("  ", StringComparison.Ordinal))
                .Where(line => !line.StartsWith("  `Host:Tls:Certificates:", StringComparison.Ordinal) && !line.StartsWith("  `Host:Tls:ClientCertificateAuthorities:", StringComparison.Ordinal))
                .Select(line => $"block {i}: {line.Trim()}"));
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public async Task The_sample_gateway_json_of_the_README_passes_the_check()
    {
        var file = Path.Combine(Root, "samples", "gateway.json");

        var result = await CheckTests.RunAsync("check", file);

        result.Should().Be((0, $"{file}: valid (1 route, 1 cluster).\n", ""));
    }
}
