using System.Reflection;
using ArchUnitNET.Loader;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.TestShared;

namespace EdgeKit.AspNetCore.Tests.Architecture;

/// <summary>
/// The gateway's layer map (docs/architecture.md, "The gateway's layers"): a folder of src/EdgeKit.AspNetCore may use
/// the folders of the layers below its own and nothing else, so the folders form layers without a loop. Read from the
/// compiled assembly (ArchUnitNET): every type reference in signatures, bodies and attributes counts.
/// </summary>
public sealed partial class GatewayLayerTests
{
    /// <summary>Bottom to top. A folder may depend on the folders of lower layers only, never on one beside it.</summary>
    internal static readonly string[][] Layers =
    [
        // Leaves: the generated settings shapes, shared HTTP helpers (problem+json, header rules, per-request response
        // headers), the pick context, the dashboard's assets and the aggregate endpoints.
        ["Settings", "Http", "Balancing", "Dashboard", "Aggregation"],
        // Features whose options the gateway's configuration refers to, or that need nothing of the gateway.
        ["Affinity", "IdentityForwarding", "Authentication", "Authorization", "Caching"],
        // The gateway's options as bound from configuration.
        ["Configuration"],
        // Built from the configuration: route transforms, rate limiting, the backend transport.
        ["Transforms", "RateLimiting", "Transport"],
        // Sends a request to a backend for a route.
        ["Forwarding"],
        // Translators over forwarding (gRPC-Web).
        ["Protocols"],
        // The route table, endpoints, matcher policy, validation and the gateway's own answers.
        ["Gateway"],
        // Features over the route table.
        ["Tls", "ConfigurationStore"],
        ["Status", "Admin"],
        // The gateway's registration (AddGateway and the registrations that add it: transforms, the configuration store).
        ["DependencyInjection"],
        // Composition over it, nothing depends on them: the importers (AddYarpConfiguration and AddOcelotConfiguration
        // add the gateway under the imported routes) and the endpoint mapping (MapEdgeKit, MapEdgeKitStatus, MapEdgeKitDashboard).
        ["Migration", "Builder"],
    ];

    /// <summary>
    /// Types whose namespace is not their folder's (extensions in the namespace of what they extend, the generated
    /// settings shapes): the folder their file lives in.
    /// </summary>
    internal static readonly Dictionary<string, string> FolderOf = new(StringComparer.Ordinal)
    {
        ["EdgeKit.AspNetCore.Configuration.AspNetCoreSettingsShapes"] = "Settings",
        ["EdgeKit.AspNetCore.Configuration.GatewayRouteOptionsTransformExtensions"] = "Transforms",
        ["Microsoft.AspNetCore.Builder.EndpointRouteBuilderEdgeKitAdminExtensions"] = "Admin",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderAggregateEndpointExtensions"] = "Aggregation",
        ["Microsoft.AspNetCore.Builder.EndpointRouteBuilderAggregationExtensions"] = "Aggregation",
        ["Microsoft.Extensions.DependencyInjection.AuthenticationBuilderEdgeKitExtensions"] = "Authentication",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderAuthorizationExtensions"] = "Authorization",
        ["Microsoft.AspNetCore.Builder.EndpointConventionBuilderEdgeKitAuthorizationExtensions"] = "Authorization",
        ["Microsoft.AspNetCore.Builder.EndpointRouteBuilderEdgeKitDashboardExtensions"] = "Builder",
        ["Microsoft.AspNetCore.Builder.EndpointRouteBuilderEdgeKitExtensions"] = "Builder",
        ["Microsoft.AspNetCore.Builder.EndpointRouteBuilderEdgeKitStatusExtensions"] = "Builder",
        ["Microsoft.AspNetCore.Builder.ApplicationBuilderEdgeKitCachingExtensions"] = "Caching",
        ["Microsoft.AspNetCore.Builder.EndpointConventionBuilderEdgeKitCachingExtensions"] = "Caching",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderConfigurationStoreExtensions"] = "DependencyInjection",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderGatewayExtensions"] = "DependencyInjection",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderTransformExtensions"] = "DependencyInjection",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderIdentityForwardingExtensions"] = "IdentityForwarding",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderMigrationExtensions"] = "Migration",
        ["Microsoft.AspNetCore.Builder.ApplicationBuilderEdgeKitLoadSheddingExtensions"] = "RateLimiting",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderLoadSheddingExtensions"] = "RateLimiting",
        ["Microsoft.Extensions.DependencyInjection.EdgeKitBuilderRateLimitingExtensions"] = "RateLimiting",
        ["Microsoft.AspNetCore.Builder.ApplicationBuilderEdgeKitTlsExtensions"] = "Tls",
        ["Microsoft.AspNetCore.Hosting.EdgeKitTlsKestrelExtensions"] = "Tls",
        ["Microsoft.AspNetCore.Hosting.WebHostBuilderEdgeKitSocketsExtensions"] = "Transport",
    };

    /// <summary>Namespaces whose every type must be listed in <see cref="FolderOf"/>.</summary>
    private static readonly string[] MappedNamespaces =
    [
        "Microsoft.AspNetCore.Builder", "Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Hosting",
        "EdgeKit.Configuration",
    ];

    private const string Root = "EdgeKit.AspNetCore.";

    private static readonly Assembly Gateway = typeof(GatewayOptions).Assembly;

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> Loaded = new(() => new ArchLoader().LoadAssemblies(Gateway).Build());

    [Fact]
    public void Every_folder_uses_only_the_layers_below_it()
    {
        var violations = ForbiddenDependencies(Loaded.Value);

        Assert.True(violations.Count == 0,
            $"A folder may use only the folders of the layers below its own (GatewayLayerTests.Layers); {violations.Count} forbidden dependencies:"
            + Environment.NewLine + string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_gateway_grants_its_internals_only_to_test_benchmark_and_fuzz_assemblies()
    {
        InternalsGrants.Of(Gateway).Should().Contain("EdgeKit.AspNetCore.Tests", "the reader sees the grants");
        InternalsGrants.NotToTests(Gateway).Should().BeEmpty("no shipped assembly (EdgeKit.Gateway included) sees the gateway's internals");
    }

    [Fact]
    public void Every_type_of_the_gateway_has_a_folder_in_the_map()
    {
        var unmapped = Loaded.Value.Types
            .Select(t => OuterName(t.FullName))
            .Where(name => IsOurs(name) && (FolderFor(name) is not { } folder || LayerOf(folder) < 0))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        unmapped.Should().BeEmpty("every type's folder must be in GatewayLayerTests.Layers (and extensions outside EdgeKit.AspNetCore in FolderOf)");
    }

    [Fact]
    public void Every_type_is_in_the_folder_the_map_reads_from_its_name()
    {
        // The map reads a type's folder from its namespace (or FolderOf): check that against where its file is, so a
        // type cannot leave its folder's layer by keeping an old namespace.
        var source = Path.Combine(RepositoryRoot.Find(), "src", "EdgeKit.AspNetCore");
        var misplaced = new List<string>();
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal) || !relative.Contains('/'))
            {
                continue;
            }

            var folder = relative[..relative.IndexOf('/')];
            var text = File.ReadAllText(file);
            if (NamespaceDeclaration().Match(text) is not { Success: true } ns)
            {
                continue;
            }

            foreach (System.Text.RegularExpressions.Match declaration in TopLevelTypeDeclaration().Matches(text))
            {
                var name = ns.Groups[1].Value + "." + declaration.Groups[1].Value;
                if (FolderFor(name) is var mapped && mapped != folder)
                {
                    misplaced.Add($"{name} (file in {folder}/, the map reads {mapped ?? "no folder"})");
                }
            }
        }

        misplaced.Should().BeEmpty();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex NamespaceDeclaration();

    // Top-level declarations only: a file-scoped namespace leaves them at the start of a line.
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?:public|internal|static|sealed|abstract|partial|readonly|file)\s+)*(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+([A-Z]\w*)", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex TopLevelTypeDeclaration();

    [Fact]
    public void The_map_is_enforced_a_dependency_upwards_is_reported_by_name()
    {
        // The test's own check on a folder pair it must refuse: Forwarding (layer 4) using Gateway (layer 6).
        Allowed("Forwarding", "Gateway").Should().BeFalse();
        Allowed("Gateway", "Forwarding").Should().BeTrue();
        Allowed("Affinity", "IdentityForwarding").Should().BeFalse("folders of one layer do not use each other");
        Allowed("Transforms", "Transforms").Should().BeTrue();
        Describe("EdgeKit.AspNetCore.Forwarding.HttpForwarder", "EdgeKit.AspNetCore.Gateway.GatewayEndpointDataSource")
            .Should().Be("Forwarding.HttpForwarder (Forwarding) -> Gateway.GatewayEndpointDataSource (Gateway)");
    }

    /// <summary>Every forbidden dependency in <paramref name="architecture"/>, as "TypeA (Folder) -> TypeB (Folder)", sorted.</summary>
    internal static List<string> ForbiddenDependencies(ArchUnitNET.Domain.Architecture architecture)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in architecture.Types)
        {
            var origin = OuterName(type.FullName);
            if (!IsOurs(origin) || FolderFor(origin) is not { } from)
            {
                continue;
            }

            foreach (var dependency in type.Dependencies)
            {
                var target = OuterName(dependency.Target.FullName);
                if (IsOurs(target) && FolderFor(target) is { } to && !Allowed(from, to))
                {
                    found.Add(Describe(origin, target));
                }
            }
        }

        return [.. found];
    }

    private static bool Allowed(string from, string to) =>
        from == to || (LayerOf(from) is var a and >= 0 && LayerOf(to) is var b and >= 0 && b < a);

    private static int LayerOf(string folder) => Array.FindIndex(Layers, layer => layer.Contains(folder));

    private static string Describe(string origin, string target) =>
        $"{Short(origin)} ({FolderFor(origin)}) -> {Short(target)} ({FolderFor(target)})";

    private static string Short(string name) => name.StartsWith(Root, StringComparison.Ordinal) ? name[Root.Length..] : name;

    /// <summary>The outermost type of a nested or compiler-generated one, without generic arity.</summary>
    private static string OuterName(string fullName)
    {
        var end = fullName.IndexOfAny(['/', '+', '`', '<']);
        return (end < 0 ? fullName : fullName[..end]).TrimEnd('.');
    }

    private static bool IsOurs(string name) =>
        name.StartsWith(Root, StringComparison.Ordinal) || FolderOf.ContainsKey(name)
        || MappedNamespaces.Any(ns => name.StartsWith(ns + ".", StringComparison.Ordinal) && !name[(ns.Length + 1)..].Contains('.'));

    private static string? FolderFor(string name)
    {
        if (FolderOf.TryGetValue(name, out var folder))
        {
            return folder;
        }

        if (!name.StartsWith(Root, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = name[Root.Length..];
        var dot = rest.IndexOf('.');
        return dot < 0 ? null : rest[..dot];
    }
}
