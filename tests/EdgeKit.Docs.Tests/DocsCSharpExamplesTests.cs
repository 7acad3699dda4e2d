using System.Text;
using EdgeKit.TestShared;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace EdgeKit.Docs.Tests;

/// <summary>Every <c>```csharp</c> block of every docs page compiles against the current API (conventions: <see cref="DocsCSharpCompiler"/>).</summary>
public sealed class DocsCSharpExamplesTests(ITestOutputHelper output)
{
    /// <summary>How many blocks may opt out with <c>```csharp ignore</c>: few, each for a reason its page gives.</summary>
    private const int MaxOptOuts = 1;

    private static readonly string Root = RepositoryRoot.Find();

    public static TheoryData<string> Pages() => new(MarkdownCodeBlock.Pages(Root).Where(page => CSharpBlocks(page).Any()));

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_csharp_block_of_the_page_compiles(string page)
    {
        var failures = new StringBuilder();
        foreach (var block in CSharpBlocks(page).Where(b => !b.Has("ignore")))
        {
            var diagnostics = DocsCSharpCompiler.Compile(block);
            if (diagnostics.Count > 0)
            {
                failures.AppendLine($"{block}:");
                foreach (var diagnostic in diagnostics)
                {
                    var span = diagnostic.Location.GetMappedLineSpan();
                    failures.AppendLine($"  {span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1} {diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage()}");
                }
            }
        }

        failures.ToString().Should().BeEmpty("every C# example in {0} compiles against the current API", page);
    }

    [Fact]
    public void The_docs_have_csharp_examples_and_few_opt_outs()
    {
        var blocks = MarkdownCodeBlock.Pages(Root).SelectMany(CSharpBlocks).ToList();
        var optOuts = blocks.Where(b => b.Has("ignore")).ToList();
        output.WriteLine($"{blocks.Count} csharp blocks, {blocks.Count - optOuts.Count} compiled, {optOuts.Count} opted out (```csharp ignore):");
        foreach (var block in optOuts)
        {
            output.WriteLine($"  {block}");
        }

        blocks.Count.Should().BeGreaterThanOrEqualTo(25, "the docs show the API in code");
        optOuts.Count.Should().BeLessThanOrEqualTo(MaxOptOuts, $"blocks that opt out of compiling stay rare: {string.Join(", ", optOuts)}");
    }

    [Fact]
    public void A_block_that_does_not_compile_is_reported_with_its_page_line_and_diagnostic()
    {
        var block = new MarkdownCodeBlock("docs/example.md", 1, 40, "csharp", [], "services.AddEdgeKit(edge => edge\n    .AddClusterr(\"orders\", c => c.AddDestinations(\"http://10.0.0.11:8080\")));");

        var diagnostic = DocsCSharpCompiler.Compile(block).Should().ContainSingle().Subject;

        diagnostic.Id.Should().Be("CS1061");
        diagnostic.GetMessage().Should().Contain("AddClusterr");
        var span = diagnostic.Location.GetMappedLineSpan();
        (span.Path, span.StartLinePosition.Line + 1).Should().Be(("docs/example.md", 41));
    }

    private static IEnumerable<MarkdownCodeBlock> CSharpBlocks(string page) =>
        MarkdownCodeBlock.Read(Root, page).Where(b => b.Language == "csharp");
}
