using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Tests.DependencyInjection;

/// <summary>Every problem of one configuration at once, without a word about entries whose own keys are in error.</summary>
public sealed class ConfigurationReportTests
{
    [Fact]
    public void A_start_reports_structural_and_cluster_problems_together_skipping_what_the_checks_say_about_a_cluster_in_error()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.11:8080",
            ["EdgeKit:Clusters:orders:Destinations:a:Weight"] = "heavy",
            // Wrong too, but in the cluster whose keys are in error: it is read again once they are fixed.
            ["EdgeKit:Clusters:orders:Destinations:b:Address"] = "not an address",
            ["EdgeKit:Clusters:empty:LoadBalancing:Strategy"] = "RoundRobin",
        }).Build();
        var services = new ServiceCollection();
        services.AddEdgeKit().AddConfiguration(configuration.GetSection("EdgeKit"));
        using var provider = services.BuildServiceProvider();

        var resolve = () => provider.GetRequiredService<ClusterRegistry>();

        resolve.Should().Throw<EdgeKitConfigurationException>().Which.Errors.Should().Equal(
            "`EdgeKit:Clusters:orders:Destinations:a:Weight`: 'heavy' is not a whole number.",
            "Cluster 'empty': has no destinations. Add at least one under Destinations, or set ServiceName to resolve them through service discovery.");
    }

    [Theory]
    [InlineData("EdgeKit:Routes:orders: Cluster 'x' does not exist.", true)]
    [InlineData("EdgeKit:Routes:orders:Match: Path is blank.", true)]
    [InlineData("the route is EdgeKit:Routes:orders.", true)]
    [InlineData("EdgeKit:Routes:orders2: Cluster 'x' does not exist.", false)]
    [InlineData("EdgeKit:Routes:orders.v2: Cluster 'x' does not exist.", false)]
    [InlineData("Cluster 'orders', destination 'a': Weight must be between 1 and 10000.", false)]
    public void A_sentence_is_about_a_route_in_error_when_it_names_its_path(string sentence, bool about)
    {
        var problems = new StructuralProblems();
        problems.Add("EdgeKit:Routes:orders:Timeout", "EdgeKit:Routes:orders", "`EdgeKit:Routes:orders:Timeout`: '10s' is not a time span.");

        problems.IsAbout(sentence).Should().Be(about);
    }

    [Theory]
    [InlineData("Cluster 'orders', destination 'a': Weight must be between 1 and 10000.", true)]
    [InlineData("EdgeKit:Routes:r: Cluster 'orders' does not exist (known clusters: c).", true)]
    [InlineData("Cluster 'orders2': has no destinations.", false)]
    public void A_sentence_is_about_a_cluster_in_error_when_it_names_it_as_the_cluster_checks_do(string sentence, bool about)
    {
        var problems = new StructuralProblems();
        problems.Add("EdgeKit:Clusters:orders:Destinations:a:Weight", "EdgeKit:Clusters:orders", "`...`: 'heavy' is not a whole number.");

        problems.IsAbout(sentence).Should().Be(about);
    }
}
