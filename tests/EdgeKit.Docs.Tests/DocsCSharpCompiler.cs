using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeKit.Docs.Tests;

/// <summary>
/// Compiles a docs page's <c>```csharp</c> block with Roslyn, as the top-level statements of a console program that
/// references what this test process runs on: the shared framework (ASP.NET Core included), EdgeKit, EdgeKit.AspNetCore,
/// EdgeKit.Redis and their dependencies.
/// </summary>
/// <remarks>
/// The convention for blocks (also in README.md):
/// <list type="bullet">
/// <item>a block is top-level statements, optionally followed by the types it declares;</item>
/// <item>in scope without a using: ASP.NET Core's implicit usings (<see cref="StandardNamespaces"/>) and every public
/// namespace of the three EdgeKit assemblies; a block's own <c>using X;</c> lines are added to those;</item>
/// <item>in scope without a declaration (<see cref="Prelude"/>): <c>builder</c> (a <c>WebApplicationBuilder</c>),
/// <c>services</c>, <c>configuration</c>, <c>app</c> (built from <c>builder</c>), <c>cancellationToken</c> and the
/// typed client <c>OrdersClient</c>; a block that declares <c>builder</c> itself gets none of the names made from it;</item>
/// <item>a block that cannot compile this way is fenced <c>```csharp ignore</c>; the tests count those.</item>
/// </list>
/// </remarks>
internal static partial class DocsCSharpCompiler
{
    /// <summary>The namespaces of the Web SDK's implicit usings, plus System.Threading.RateLimiting.</summary>
    public static readonly string[] StandardNamespaces =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks", "System.Threading.RateLimiting",
        "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing",
        "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting",
        "Microsoft.Extensions.Logging",
    ];

    /// <summary>The names a block may use without declaring them, each with its declaration.</summary>
    public static readonly (string Name, string Declaration)[] Prelude =
    [
        ("builder", "var builder = WebApplication.CreateBuilder(args);"),
        ("services", "var services = builder.Services;"),
        ("configuration", "var configuration = builder.Configuration;"),
        ("app", "var app = builder.Build();"),
    ];

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    private static readonly Lazy<string> GlobalUsings = new(() =>
    {
        var edgeKitNamespaces = new[]
            {
                typeof(EdgeKit.Destinations.Cluster).Assembly,
                typeof(Microsoft.AspNetCore.Builder.EndpointRouteBuilderEdgeKitExtensions).Assembly,
                typeof(EdgeKit.Redis.RateLimiting.RedisRateLimiter).Assembly,
            }
            .SelectMany(assembly => assembly.GetExportedTypes())
            .Select(type => type.Namespace!);
        var usings = new StringBuilder();
        foreach (string name in StandardNamespaces.Concat(edgeKitNamespaces).Distinct().Order(StringComparer.Ordinal))
        {
            usings.Append("global using ").Append(name).AppendLine(";");
        }

        // The typed client the HttpClient examples register.
        usings.AppendLine("public sealed class OrdersClient(System.Net.Http.HttpClient http) { public System.Net.Http.HttpClient Http { get; } = http; }");
        return usings.ToString();
    });

    /// <summary>The block's errors and warnings, with the page's line numbers.</summary>
    public static IReadOnlyList<Diagnostic> Compile(MarkdownCodeBlock block) =>
        CreateCompilation(block).GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();

    /// <summary>The block as a console program (see the conventions above), with <paramref name="append"/> after its statements.</summary>
    public static CSharpCompilation CreateCompilation(MarkdownCodeBlock block, string? append = null)
    {
        var source = new StringBuilder();
        var statements = new StringBuilder();
        string[] lines = block.Code.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            // A block's own using directives go before the prelude's statements; the rest keeps its lines.
            if (UsingDirective().IsMatch(lines[i]))
            {
                source.AppendLine($"#line {block.Line + i} \"{block.Page}\"").AppendLine(lines[i]);
                statements.AppendLine();
            }
            else
            {
                statements.AppendLine(lines[i]);
            }
        }

        source.AppendLine("#line hidden");
        bool declaresBuilder = Declares(block.Code, "builder");
        foreach (var (name, declaration) in Prelude)
        {
            if (!Declares(block.Code, name) && (name == "builder" || !declaresBuilder))
            {
                source.AppendLine(declaration);
            }
        }

        if (!Declares(block.Code, "cancellationToken"))
        {
            source.AppendLine("var cancellationToken = System.Threading.CancellationToken.None;");
        }

        source.AppendLine($"#line {block.Line} \"{block.Page}\"").Append(statements);
        if (append is not null)
        {
            source.AppendLine("#line hidden").AppendLine(append);
        }

        return CSharpCompilation.Create(
            "DocsExample",
            [
                CSharpSyntaxTree.ParseText(GlobalUsings.Value, path: "DocsPrelude.cs"),
                CSharpSyntaxTree.ParseText(source.ToString(), path: block.Page),
            ],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static bool Declares(string code, string name) =>
        Regex.IsMatch(code, $@"\bvar\s+{name}\s*=|\b[A-Z]\w*\s+{name}\s*=", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"^using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[\w.<>]+)?\s*;\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex UsingDirective();
}
