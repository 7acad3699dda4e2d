using System.Text.Json;
using EdgeKit.TestShared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeKit.Gateway.Tests;

/// <summary>
/// The dotnet new templates (templates/EdgeKit.Templates): their manifests, their configuration passes
/// <c>edgekit check</c>, and the gateway template's Program.cs compiles against the EdgeKit assemblies. (Instantiating
/// them with <c>dotnet new install</c> and building takes minutes here, and needs the EdgeKit packages on a feed.)
/// </summary>
public sealed class TemplateTests
{
    private static readonly string Content = Path.Combine(RepositoryRoot.Find(), "templates", "EdgeKit.Templates", "content");

    [Theory]
    [InlineData("edgekit-gateway", "EdgeKit.Templates.Gateway", "project")]
    [InlineData("edgekit-config", "EdgeKit.Templates.Config", "item")]
    public void Each_template_has_a_manifest_naming_it(string folder, string identity, string type)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Content, folder, ".template.config", "template.json")));
        var root = manifest.RootElement;
        root.GetProperty("shortName").GetString().Should().Be(folder);
        root.GetProperty("identity").GetString().Should().Be(identity);
        root.GetProperty("tags").GetProperty("type").GetString().Should().Be(type);
        root.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("edgekit-config/gateway.json", "valid (1 route, 1 cluster).")]
    [InlineData("edgekit-gateway/appsettings.json", "valid (1 route, 1 cluster).")]
    public async Task The_templates_configuration_passes_the_check(string file, string verdict)
    {
        var path = Path.Combine(Content, file);

        var result = await CheckTests.RunAsync("check", path);

        result.Should().Be((0, $"{path}: {verdict}\n", ""));
    }

    [Fact]
    public void The_gateway_templates_Program_compiles_against_EdgeKit()
    {
        string[] implicitUsings =
        [
            "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json", "System.Threading",
            "System.Threading.Tasks", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
            "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
            "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
        ];
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "EdgeKitGateway",
            [
                CSharpSyntaxTree.ParseText(string.Concat(implicitUsings.Select(u => $"global using {u};\n")), path: "GlobalUsings.g.cs"),
                CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(Content, "edgekit-gateway", "Program.cs")), path: "Program.cs"),
            ],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var output = new MemoryStream();
        var result = compilation.Emit(output);

        result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).Should().BeEmpty();
        result.Success.Should().BeTrue();
    }
}
