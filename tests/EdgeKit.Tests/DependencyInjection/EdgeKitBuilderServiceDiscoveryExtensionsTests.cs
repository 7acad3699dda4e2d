using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace EdgeKit.Tests.DependencyInjection;

public class EdgeKitBuilderServiceDiscoveryExtensionsTests
{
    [Fact]
    public async Task Adding_service_discovery_twice_registers_one_hosted_service_and_keeps_both_configurations()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddServiceDiscovery(o => o.RetryDelay = TimeSpan.FromSeconds(2));
        services.AddEdgeKit().AddServiceDiscovery(o => o.MaxRetryDelay = TimeSpan.FromSeconds(20));

        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(3, "EdgeKit's start validator, the active health prober and the discovery source");
        // Microsoft.Extensions.ServiceDiscovery's resolver is only IAsyncDisposable.
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        provider.GetServices<IHostedService>().OfType<ServiceDiscoveryDestinationSource>().Should().ContainSingle()
            .Which.Should().BeSameAs(provider.GetRequiredService<ServiceDiscoveryDestinationSource>());
        provider.GetRequiredService<ServiceEndpointResolver>().Should().NotBeNull();
        var options = provider.GetRequiredService<IOptions<ServiceDiscoveryDestinationOptions>>().Value;
        options.RetryDelay.Should().Be(TimeSpan.FromSeconds(2));
        options.MaxRetryDelay.Should().Be(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Disposing_the_container_stops_the_source()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit(edge => edge.AddCluster("orders", c => c.UseServiceDiscovery("http://orders")).AddServiceDiscovery());
        var provider = services.BuildServiceProvider();
        var source = provider.GetRequiredService<ServiceDiscoveryDestinationSource>();
        await source.StartAsync(CancellationToken.None);
        source.WatchedServices.Should().ContainKey("orders");

        await provider.DisposeAsync();

        source.WatchedServices.Should().BeEmpty();
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new ServiceDiscoveryDestinationOptions();

        options.InitialResolutionTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.ResolutionTimeout.Should().Be(TimeSpan.FromSeconds(10));
        options.RetryDelay.Should().Be(TimeSpan.FromSeconds(1));
        options.MaxRetryDelay.Should().Be(TimeSpan.FromSeconds(30));
        var errors = new List<string>();
        ServiceDiscoveryDestinationOptionsValidator.Validate(options, ServiceDiscoveryDestinationOptionsValidator.Path, errors);
        errors.Should().BeEmpty();
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_start_with_every_problem()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddEdgeKit().AddServiceDiscovery(o =>
        {
            o.InitialResolutionTimeout = TimeSpan.FromSeconds(-1);
            o.ResolutionTimeout = TimeSpan.Zero;
            o.RetryDelay = TimeSpan.FromSeconds(10);
            o.MaxRetryDelay = TimeSpan.FromSeconds(5);
        });
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Equal(
            "EdgeKit service discovery: InitialResolutionTimeout must not be negative (zero does not wait), was -00:00:01.",
            "EdgeKit service discovery: ResolutionTimeout must be positive, was 00:00:00.",
            "EdgeKit service discovery: MaxRetryDelay must be at least RetryDelay (00:00:10), was 00:00:05.");
    }
}
