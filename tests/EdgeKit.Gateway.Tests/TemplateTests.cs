using System.Text.Json;
using System.Xml.Linq;
using EdgeKit.TestShared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeKit.Gateway.Tests;

/// <summary>
/// The dotnet new templates (templates/EdgeKit.Templates), checked without packing them: their manifests, their
/// configuration passes <c>edgekit check</c>, the gateway template's code compiles against the EdgeKit assemblies, and
/// their test projects use the repository's package versions. Templates.TemplateInstantiationTests instantiates,
/// builds and tests them from the packed packages.
/// </summary>
public sealed class TemplateTests
{
    private static readonly string Content = Path.Combine(RepositoryRoot.Find(), "templates", "EdgeKit.Templates", "content");

    [Theory]
    [InlineData("edgekit-gateway", "EdgeKit.Templates.Gateway", "project")]
    [InlineData("edgekit-config", "EdgeKit.Templates.Config", "item")]
    [InlineData("edgekit-client", "EdgeKit.Templates.Client", "project")]
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
    [InlineData("edgekit-gateway/src/EdgeKitGateway/appsettings.json", "valid (1 route, 1 cluster).")]
    public async Task The_templates_configuration_passes_the_check(string file, string verdict)
    {
        var path = Path.Combine(Content, file);

        var result = await CheckTests.RunAsync("check", path);

        result.Should().Be((0, $"{path}: {verdict}\n", ""));
    }

    [Fact]
    public void The_gateway_templates_code_compiles_against_EdgeKit()
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
            Directory.GetFiles(Path.Combine(Content, "edgekit-gateway", "src", "EdgeKitGateway"), "*.cs")
                .Select(file => CSharpSyntaxTree.ParseText(File.ReadAllText(file), path: Path.GetFileName(file)))
                .Append(CSharpSyntaxTree.ParseText(string.Concat(implicitUsings.Select(u => $"global using {u};\n")), path: "GlobalUsings.g.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var output = new MemoryStream();
        var result = compilation.Emit(output);

        result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).Should().BeEmpty();
        result.Success.Should().BeTrue();
    }

    [Theory]
    [InlineData("edgekit-gateway/tests/EdgeKitGateway.Tests/EdgeKitGateway.Tests.csproj")]
    [InlineData("edgekit-client/tests/EdgeKitClient.Tests/EdgeKitClient.Tests.csproj")]
    [InlineData("edgekit-client/src/EdgeKitClient/EdgeKitClient.csproj")]
    public void The_templates_projects_reference_packages_at_the_repositorys_versions(string project)
    {
        var central = XDocument.Load(Path.Combine(RepositoryRoot.Find(), "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        var references = XDocument.Load(Path.Combine(Content, project)).Descendants("PackageReference")
            .Select(p => ((string)p.Attribute("Include")!, (string)p.Attribute("Version")!))
            .ToList();

        references.Should().NotBeEmpty();
        foreach (var (id, version) in references)
        {
            version.Should().Be(id.StartsWith("EdgeKit", StringComparison.Ordinal) ? "EDGEKIT_VERSION" : central[id], id);
        }
    }

    [Fact]
    public void Every_XML_file_of_the_templates_is_well_formed()
    {
        var files = Directory.EnumerateFiles(Content, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".csproj" or ".config" or ".slnx")
            .Select(f => Path.GetRelativePath(Content, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        files.Should().Equal(
            "edgekit-client/EdgeKitClient.slnx",
            "edgekit-client/nuget.config",
            "edgekit-client/src/EdgeKitClient/EdgeKitClient.csproj",
            "edgekit-client/tests/EdgeKitClient.Tests/EdgeKitClient.Tests.csproj",
            "edgekit-gateway/EdgeKitGateway.slnx",
            "edgekit-gateway/nuget.config",
            "edgekit-gateway/src/EdgeKitGateway/EdgeKitGateway.csproj",
            "edgekit-gateway/tests/EdgeKitGateway.Tests/EdgeKitGateway.Tests.csproj");
        foreach (var file in files)
        {
            var load = () => XDocument.Load(Path.Combine(Content, file));
            load.Should().NotThrow(file);
        }
    }
}
