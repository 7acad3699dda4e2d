using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using EdgeKit.Destinations;
using EdgeKit.TestShared;
using ArchitectureModel = ArchUnitNET.Domain.Architecture;

namespace EdgeKit.Tests.Architecture;

/// <summary>
/// The core's folders form layers without loops (docs/architecture.md, "Layers"). The compiled EdgeKit assembly is read
/// with ArchUnitNET: every type belongs to the folder its namespace names (<c>EdgeKit.Client.BalancingHandler</c> is in
/// <c>Client</c>), the extension classes in <c>Microsoft.Extensions.DependencyInjection</c> to the folder their file
/// lives in (<see cref="ExtensionClassFolders"/>), and every dependency between two folders must be allowed by
/// <see cref="LayerMap"/>. A failure lists every forbidden dependency found, as <c>TypeA (Folder) -> TypeB (Folder)</c>.
/// </summary>
public sealed class CoreLayerTests
{
    private const string Telemetry = "Telemetry";
    private const string Configuration = "Configuration";
    private const string ConfigurationStore = "ConfigurationStore";
    private const string Destinations = "Destinations";
    private const string Balancing = "Balancing";
    private const string Health = "Health";
    private const string Client = "Client";
    private const string RateLimiting = "RateLimiting";
    private const string Resilience = "Resilience";
    private const string Auth = "Auth";
    private const string Caching = "Caching";
    private const string Aggregation = "Aggregation";
    private const string DependencyInjection = "DependencyInjection";

    /// <summary>
    /// Which folder may depend on which (besides itself). Read bottom-up: Telemetry and Configuration are leaves;
    /// Destinations and Balancing are the one allowed pair; Health feeds Destinations' snapshots; the HttpClient
    /// pipeline (Client) sits on top of them; features use what is below them; the composition root
    /// (DependencyInjection) may use everything and nothing uses it.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string[]> LayerMap = new Dictionary<string, string[]>
    {
        [Telemetry] = [],
        [Configuration] = [],
        [ConfigurationStore] = [],
        [Destinations] = [Balancing, Configuration, Telemetry],
        [Balancing] = [Destinations, Configuration, Telemetry],
        [Health] = [Destinations, Balancing, Configuration, Telemetry],
        [Client] = [Destinations, Balancing, Configuration, Telemetry],
        [RateLimiting] = [Client, Destinations, Configuration, Telemetry],
        [Resilience] = [Client, Destinations, Balancing, Configuration, Telemetry],
        [Auth] = [Configuration, Telemetry],
        [Caching] = [Configuration, Telemetry],
        [Aggregation] = [Client, Destinations, Balancing, Caching, Configuration, Telemetry],
        [DependencyInjection] =
        [
            Telemetry, Configuration, ConfigurationStore, Destinations, Balancing, Health, Client, RateLimiting,
            Resilience, Auth, Caching, Aggregation,
        ],
    };

    /// <summary>
    /// The registration extension classes, declared in <c>Microsoft.Extensions.DependencyInjection</c> (STYLE.md rule 3).
    /// Each file lives in the folder of the feature it registers (<c>Caching/HttpClientBuilderEdgeKitCachingExtensions.cs</c>),
    /// but every one of them belongs to the composition layer: it may call <c>AddEdgeKit()</c> and name any type it
    /// wires, and no feature type may call it. Placing them by name keeps that explicit: a new extension class fails
    /// <see cref="Every_core_type_belongs_to_a_folder_of_the_layer_map"/> until it is listed here.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> ExtensionClassFolders = new Dictionary<string, string>
    {
        ["ServiceCollectionEdgeKitExtensions"] = DependencyInjection,
        ["EdgeKitBuilderExtensions"] = DependencyInjection,
        ["EdgeKitBuilderServiceDiscoveryExtensions"] = DependencyInjection,
        ["EdgeKitBuilderCachingExtensions"] = DependencyInjection,
        ["EdgeKitBuilderAggregationExtensions"] = DependencyInjection,
        ["HttpClientBuilderEdgeKitExtensions"] = DependencyInjection,
        ["HttpClientBuilderEdgeKitAuthExtensions"] = DependencyInjection,
        ["HttpClientBuilderEdgeKitCachingExtensions"] = DependencyInjection,
        ["HttpClientBuilderEdgeKitRateLimitingExtensions"] = DependencyInjection,
        ["HttpClientBuilderEdgeKitResilienceExtensions"] = DependencyInjection,
    };

    private const string ExtensionNamespace = "Microsoft.Extensions.DependencyInjection";

    private static readonly Lazy<CoreModel> Model = new(CoreModel.Load);

    [Fact]
    public void Every_dependency_between_core_folders_is_allowed_by_the_layer_map()
    {
        var forbidden = Model.Value.Edges
            .Where(edge => !LayerMap.TryGetValue(edge.FromFolder, out var allowed) || !allowed.Contains(edge.ToFolder))
            .Select(edge => edge.ToString())
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        forbidden.Should().BeEmpty(
            "every dependency between two folders of src/EdgeKit must be allowed by CoreLayerTests.LayerMap; found {0}:{1}{2}",
            forbidden.Count, Environment.NewLine, string.Join(Environment.NewLine, forbidden));
    }

    [Fact]
    public void Every_core_type_belongs_to_a_folder_of_the_layer_map()
    {
        Model.Value.Unplaced.Should().BeEmpty(
            "a new folder (namespace) or a new extension class in Microsoft.Extensions.DependencyInjection must be placed in CoreLayerTests.LayerMap or ExtensionClassFolders");
    }

    [Fact]
    public void Telemetry_is_a_leaf()
    {
        var outgoing = Model.Value.Edges.Where(edge => edge.FromFolder == Telemetry).Select(edge => edge.ToString()).Distinct().ToList();

        outgoing.Should().BeEmpty("Telemetry (meter, activity source, tag vocabulary) depends on no other folder of EdgeKit");
        LayerMap[Telemetry].Should().BeEmpty();
    }

    [Fact]
    public void Configuration_depends_on_nothing_else_of_EdgeKit()
    {
        var outgoing = Model.Value.Edges.Where(edge => edge.FromFolder == Configuration).Select(edge => edge.ToString()).Distinct().ToList();

        outgoing.Should().BeEmpty("the options model bound from the EdgeKit section depends on nothing else of EdgeKit");
        LayerMap[Configuration].Should().BeEmpty();
        Model.Value.Types.Any(type => type.Folder == Configuration && type.Name == "EdgeKitOptions").Should().BeTrue();
    }

    [Fact]
    public void Destinations_and_Balancing_are_the_only_folders_that_depend_on_each_other()
    {
        var graph = Model.Value.Edges
            .GroupBy(edge => edge.FromFolder)
            .ToDictionary(group => group.Key, group => group.Select(edge => edge.ToFolder).ToHashSet());

        var loops = StronglyConnectedComponents(graph)
            .Where(component => component.Count > 1)
            .Select(component => string.Join(" <-> ", component.Order(StringComparer.Ordinal)))
            .ToList();

        loops.Should().BeEquivalentTo(
            [$"{Balancing} <-> {Destinations}"],
            "the folders of src/EdgeKit form layers; only Destinations and Balancing may reach each other");
    }

    [Fact]
    public void The_layer_map_itself_has_no_loop_but_Destinations_and_Balancing()
    {
        var graph = LayerMap.ToDictionary(entry => entry.Key, entry => entry.Value.ToHashSet());

        var loops = StronglyConnectedComponents(graph).Where(component => component.Count > 1)
            .Select(component => string.Join(" <-> ", component.Order(StringComparer.Ordinal)))
            .ToList();

        loops.Should().Equal($"{Balancing} <-> {Destinations}");
        LayerMap.Values.SelectMany(allowed => allowed).Should().NotContain(DependencyInjection, "nothing depends on the composition root");
    }

    [Fact]
    public void No_core_type_references_ASP_NET_Core()
    {
        var references = Model.Value.ExternalTargets
            .Where(reference => reference.Target.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal))
            .Select(reference => $"{reference.From} -> {reference.Target}")
            .Distinct()
            .ToList();

        references.Should().BeEmpty("src/EdgeKit is the core shared by HttpClient and the gateway and never references ASP.NET Core");
        typeof(Cluster).Assembly.GetReferencedAssemblies().Select(name => name.Name)
            .Should().NotContain(name => name!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_core_grants_its_internals_only_to_test_benchmark_and_fuzz_assemblies()
    {
        var core = typeof(Cluster).Assembly;

        InternalsGrants.Of(core).Should().Contain("EdgeKit.Tests", "the reader sees the grants");
        InternalsGrants.NotToTests(core).Should().BeEmpty(
            "the gateway and the Redis package use the core as a third party would, through its public surface (docs/architecture.md)");
    }

    [Fact]
    public void The_check_sees_dependencies_from_method_bodies_and_extension_classes()
    {
        // Guards the guard: if the loader stopped seeing member-level dependencies, every other test would pass empty.
        Model.Value.Edges.Any(edge => edge.FromType == "Cluster" && edge.ToType == "ILoadBalancingStrategy" && edge.ToFolder == Balancing).Should().BeTrue();
        Model.Value.Edges.Any(edge => edge.FromType == "ClusterHealthFactory" && edge.ToType == "IClusterHealthFactory" && edge.ToFolder == Destinations).Should().BeTrue();
        Model.Value.Types.Any(type => type.Name == "HttpClientBuilderEdgeKitExtensions" && type.Folder == DependencyInjection).Should().BeTrue();
        Model.Value.Edges.Any(edge => edge.FromType == "HttpClientBuilderEdgeKitExtensions" && edge.ToType == "BalancingHandler" && edge.ToFolder == Client).Should().BeTrue();
        Model.Value.Edges.Any(edge => edge.FromFolder == DependencyInjection && edge.ToFolder == Health).Should().BeTrue();
    }

    /// <summary>Tarjan's algorithm: the groups of folders that reach each other.</summary>
    private static List<List<string>> StronglyConnectedComponents(Dictionary<string, HashSet<string>> graph)
    {
        var nodes = graph.Keys.Concat(graph.Values.SelectMany(targets => targets)).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();
        int next = 0;

        void Visit(string node)
        {
            index[node] = low[node] = next++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var target in graph.TryGetValue(node, out var targets) ? targets : [])
            {
                if (!index.ContainsKey(target))
                {
                    Visit(target);
                    low[node] = Math.Min(low[node], low[target]);
                }
                else if (onStack.Contains(target))
                {
                    low[node] = Math.Min(low[node], index[target]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (var node in nodes.Where(node => !index.ContainsKey(node)))
        {
            Visit(node);
        }

        return components;
    }

    private sealed record PlacedType(string Name, string Folder);

    private sealed record Edge(string FromType, string FromFolder, string ToType, string ToFolder)
    {
        public override string ToString() => $"{FromType} ({FromFolder}) -> {ToType} ({ToFolder})";
    }

    private sealed record ExternalReference(string From, string Target);

    private sealed class CoreModel
    {
        public required List<PlacedType> Types { get; init; }

        public required List<string> Unplaced { get; init; }

        public required List<Edge> Edges { get; init; }

        public required List<ExternalReference> ExternalTargets { get; init; }

        public static CoreModel Load()
        {
            var assembly = typeof(Cluster).Assembly;
            ArchitectureModel architecture = new ArchLoader().LoadAssemblies(assembly).Build();
            string coreAssembly = architecture.Assemblies.Single(candidate => candidate.FullName.Split(',')[0] == assembly.GetName().Name).FullName;

            var types = new List<PlacedType>();
            var unplaced = new List<string>();
            var edges = new List<Edge>();
            var external = new List<ExternalReference>();
            foreach (var type in architecture.Types.Where(type => type.Assembly?.FullName == coreAssembly))
            {
                var folder = FolderOf(type, out bool placed);
                if (folder is null)
                {
                    if (!placed)
                    {
                        unplaced.Add(type.FullName);
                    }

                    continue;
                }

                string name = OuterName(type);
                types.Add(new PlacedType(name, folder));
                foreach (var dependency in type.Dependencies)
                {
                    var target = dependency.Target;
                    if (target.Assembly?.FullName != coreAssembly)
                    {
                        external.Add(new ExternalReference(name, target.FullName));
                        continue;
                    }

                    var targetFolder = FolderOf(target, out _);
                    if (targetFolder is not null && targetFolder != folder)
                    {
                        edges.Add(new Edge(name, folder, OuterName(target), targetFolder));
                    }
                }
            }

            return new CoreModel { Types = types, Unplaced = unplaced.Distinct().ToList(), Edges = edges, ExternalTargets = external };
        }

        /// <summary>
        /// The folder of a type of the core assembly: the namespace segment after <c>EdgeKit.</c>, or for an extension
        /// class its entry in <see cref="ExtensionClassFolders"/>. Compiler- and source-generator-made types outside
        /// those namespaces (the configuration binder's interceptors, <c>&lt;PrivateImplementationDetails&gt;</c>) are
        /// not placed and not checked (<paramref name="placed"/> is true for them); an EdgeKit namespace or an extension
        /// class that the maps do not know is reported by <see cref="Every_core_type_belongs_to_a_folder_of_the_layer_map"/>.
        /// </summary>
        private static string? FolderOf(IType type, out bool placed)
        {
            string ns = type.Namespace.FullName;
            placed = true;
            if (ns == ExtensionNamespace)
            {
                if (ExtensionClassFolders.TryGetValue(OuterName(type), out var folder))
                {
                    return folder;
                }

                placed = false;
                return null;
            }

            if (ns.StartsWith("EdgeKit.", StringComparison.Ordinal))
            {
                string segment = ns["EdgeKit.".Length..].Split('.')[0];
                if (LayerMap.ContainsKey(segment))
                {
                    return segment;
                }

                placed = false;
                return null;
            }

            if (ns == "EdgeKit")
            {
                placed = false;
            }

            return null;
        }

        /// <summary>A nested or compiler-generated type is named by its outermost declaring type.</summary>
        private static string OuterName(IType type)
        {
            string name = type.FullName;
            string ns = type.Namespace.FullName;
            if (ns.Length > 0 && name.StartsWith(ns + ".", StringComparison.Ordinal))
            {
                name = name[(ns.Length + 1)..];
            }

            int cut = name.IndexOfAny(['+', '/', '`', '<']);
            return cut > 0 ? name[..cut] : name;
        }
    }
}
