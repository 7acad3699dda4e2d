using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Health;

/// <summary>Destinations reaches health only through <see cref="IClusterHealthFactory"/>; these pin where the factory comes from.</summary>
public class ClusterHealthFactoryTests
{
    [Fact]
    public void A_cluster_built_without_dependency_injection_uses_the_health_rules_of_EdgeKit_Health()
    {
        ClusterEnvironment.Default.HealthFactory.Should().BeSameAs(ClusterHealthFactory.Instance);
        new ClusterEnvironment().HealthFactory.Should().BeSameAs(ClusterHealthFactory.Instance);
    }

    [Fact]
    public void AddEdgeKit_hands_the_registered_factory_to_the_environment_and_the_registry_uses_it()
    {
        var recording = new RecordingHealthFactory();
        var services = new ServiceCollection();
        services.AddSingleton<IClusterHealthFactory>(recording);
        services.AddEdgeKit().AddCluster("orders", cluster => cluster.AddDestination("http://10.0.0.11:8080", id: "o1"));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ClusterEnvironment>().HealthFactory.Should().BeSameAs(recording);
        var registry = provider.GetRequiredService<ClusterRegistry>();

        registry.TryGetCluster("orders", out _).Should().BeTrue();
        recording.Created.Should().Equal("orders");
        recording.Validated.Should().Contain("Cluster 'orders'");
    }

    [Fact]
    public void AddEdgeKit_registers_EdgeKit_Health_s_factory_by_default()
    {
        using var provider = new ServiceCollection().AddEdgeKit().Services.BuildServiceProvider();

        provider.GetRequiredService<IClusterHealthFactory>().Should().BeSameAs(ClusterHealthFactory.Instance);
        provider.GetRequiredService<ClusterEnvironment>().HealthFactory.Should().BeSameAs(ClusterHealthFactory.Instance);
    }

    [Fact]
    public void A_cluster_checks_health_settings_through_its_factory_and_names_every_problem()
    {
        var recording = new RecordingHealthFactory();
        var environment = new ClusterEnvironment(new FakeTimeProvider()) { HealthFactory = recording };
        using var cluster = new Cluster("c", [new Destination("d", new Uri("http://10.0.0.1"))], environment: environment);

        var act = () => cluster.UpdateHealth(new HealthOptions { PanicThreshold = 101 });

        act.Should().Throw<ArgumentException>()
            .WithMessage("Cluster 'c': Health.PanicThreshold must be between 0 and 100 (percent), was 101.*");
        recording.Created.Should().Equal("c");
        recording.Validated.Should().Equal("Cluster 'c'", "Cluster 'c'");
    }

    private sealed class RecordingHealthFactory : IClusterHealthFactory
    {
        public List<string> Created { get; } = [];

        public List<string> Validated { get; } = [];

        public void Validate(HealthOptions options, string path, List<string> errors)
        {
            Validated.Add(path);
            ClusterHealthFactory.Instance.Validate(options, path, errors);
        }

        public IClusterHealth Create(string clusterName, TimeProvider time, ILogger logger, Lock updateLock, Action rebuild, HealthOptions options)
        {
            Created.Add(clusterName);
            return ClusterHealthFactory.Instance.Create(clusterName, time, logger, updateLock, rebuild, options);
        }
    }
}
