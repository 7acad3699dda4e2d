namespace EdgeKit.Gateway.Tests.Templates;

/// <summary>
/// Each template, from the locally packed template package, instantiated as the README says, restored against the
/// locally packed EdgeKit packages, built, and its own tests run (<c>dotnet test</c>).
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed class TemplateInstantiationTests(PackedTemplates templates)
{
    [Theory]
    [InlineData("edgekit-gateway", "MyGateway", 4)]
    [InlineData("edgekit-client", "MyClient", 2)]
    public async Task The_template_builds_against_the_packed_packages_and_its_tests_pass(string template, string name, int tests)
    {
        var (exit, output, counts) = await templates.NewAndTestAsync(template);

        exit.Should().Be(0, output);
        counts.Should().Be((0, tests, 0, tests), output);
        // The project references the packages at the version packed, found through the nuget.config the template wrote
        // for --LocalFeed (the machine's own sources stay: nothing is cleared).
        File.ReadAllText(Path.Combine(templates.Work, name, "src", name, $"{name}.csproj"))
            .Should().Contain($"Version=\"{templates.Version}\"").And.NotContain("EDGEKIT_VERSION");
        File.ReadAllText(Path.Combine(templates.Work, name, "nuget.config"))
            .Should().Contain($"<add key=\"edgekit-local\" value=\"{templates.Feed}\" />").And.NotContain("<clear");
    }
}
