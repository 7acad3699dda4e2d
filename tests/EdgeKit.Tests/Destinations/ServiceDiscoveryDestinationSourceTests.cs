using System.Net;
using EdgeKit.Destinations;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Destinations;

public sealed class ServiceDiscoveryDestinationSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _time = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<ServiceProvider> _providers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_resolves_configured_endpoints_into_destinations_before_it_completes()
    {
        var (configuration, _) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders",
            ["Services:orders:http:0"] = "10.0.0.1:8080",
            ["Services:orders:http:1"] = "10.0.0.2:8080",
        });
        var services = Build(configuration);

        await Source(services).StartAsync(CancellationToken.None);

        var cluster = Registry(services).GetCluster("orders");
        Describe(cluster).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/", "10.0.0.2:8080 -> http://10.0.0.2:8080/");
        _logs.WithEventId(1003).Select(e => e.Message).Should().Equal(
            "Cluster 'orders' now has 2 destinations from source 'service-discovery'.");
    }

    [Fact]
    public async Task Reloaded_endpoints_replace_the_destinations_and_those_that_stay_keep_their_live_state()
    {
        var (configuration, config) = ReloadableConfigurationSource.Create(EndpointsConfig("10.0.0.1:8080", "10.0.0.2:8080"));
        var services = Build(configuration);
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);
        var cluster = Registry(services).GetCluster("orders");
        var kept = State(cluster, "10.0.0.1:8080");
        kept.BeginRequest();
        kept.ObserveLatency(_time.GetTimestamp(), _time.TimestampFrequency / 10);
        var latency = kept.GetLatencyEstimate(_time.GetTimestamp(), _time.TimestampFrequency);

        var resolved = NextResolution(source, "orders", "http://orders");
        config.Replace(EndpointsConfig("10.0.0.1:8080", "10.0.0.3:8080"));
        (await resolved).Should().BeNull();

        Describe(cluster).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/", "10.0.0.3:8080 -> http://10.0.0.3:8080/");
        State(cluster, "10.0.0.1:8080").Should().BeSameAs(kept);
        kept.InFlight.Should().Be(1);
        kept.GetLatencyEstimate(_time.GetTimestamp(), _time.TimestampFrequency).Should().Be(latency);
        cluster.Snapshot.TryGetDestination("10.0.0.2:8080", out _).Should().BeFalse();
    }

    [Fact]
    public async Task An_endpoint_without_scheme_takes_the_first_scheme_of_the_service_name_as_the_library_handler_does()
    {
        // Services:orders:http holds host:port values: the provider falls back to the "http" section for
        // https+http, but the endpoints carry no scheme, so they take https, like ResolvingHttpDelegatingHandler.
        var (configuration, _) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "https+http://orders",
            ["Services:orders:http:0"] = "10.0.0.1:8080",
        });
        var services = Build(configuration);

        await Source(services).StartAsync(CancellationToken.None);

        Describe(Registry(services).GetCluster("orders")).Should().Equal("10.0.0.1:8080 -> https://10.0.0.1:8080/");
    }

    [Fact]
    public async Task Https_plus_http_picks_the_https_endpoints_when_there_are_any_and_falls_back_to_http()
    {
        var withHttps = new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "https+http://orders",
            ["Services:orders:https:0"] = "https://10.0.0.1:8443",
            ["Services:orders:http:0"] = "http://10.0.0.1:8080",
        };
        var (configuration, config) = ReloadableConfigurationSource.Create(withHttps);
        var services = Build(configuration);
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);
        var cluster = Registry(services).GetCluster("orders");
        Describe(cluster).Should().Equal("https://10.0.0.1:8443/ -> https://10.0.0.1:8443/");

        var resolved = NextResolution(source, "orders", "https+http://orders");
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "https+http://orders",
            ["Services:orders:http:0"] = "http://10.0.0.1:8080",
        });
        (await resolved).Should().BeNull();
        Describe(cluster).Should().Equal("http://10.0.0.1:8080/ -> http://10.0.0.1:8080/");

        // One section holding both kinds: only the https ones are kept while there are any.
        resolved = NextResolution(source, "orders", "https+http://orders");
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "https+http://orders",
            ["Services:orders:default:0"] = "http://10.0.0.1:8080",
            ["Services:orders:default:1"] = "https://10.0.0.2:8443",
        });
        (await resolved).Should().BeNull();
        Describe(cluster).Should().Equal("https://10.0.0.2:8443/ -> https://10.0.0.2:8443/");
    }

    [Fact]
    public async Task A_failed_resolution_is_logged_keeps_the_previous_destinations_and_is_retried()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080", "10.0.0.2:8080");
        var services = BuildWithTestProvider(endpoints, o => o.RetryDelay = TimeSpan.FromSeconds(2));
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);
        var cluster = Registry(services).GetCluster("orders");
        var before = cluster.Snapshot.AllDestinations;

        var failed = NextResolution(source, "orders", "http://orders");
        endpoints.Fail(new InvalidOperationException("DNS is down."));
        (await failed).Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("DNS is down.");

        cluster.Snapshot.AllDestinations.Should().Equal(before);
        var logged = _logs.WithEventId(1008).Should().ContainSingle().Subject;
        logged.Level.Should().Be(LogLevel.Warning);
        logged.Message.Should().Be("Cluster 'orders': resolving service 'http://orders' failed; its previous destinations stay.");
        logged.Exception!.Message.Should().Be("DNS is down.");

        // Fixed: nothing happens until the retry delay has passed.
        endpoints.Set("10.0.0.2:8080", "10.0.0.3:8080");
        var retried = NextResolution(source, "orders", "http://orders");
        _time.Advance(TimeSpan.FromSeconds(2));
        (await retried).Should().BeNull();
        Describe(cluster).Should().Equal("10.0.0.2:8080 -> http://10.0.0.2:8080/", "10.0.0.3:8080 -> http://10.0.0.3:8080/");
        State(cluster, "10.0.0.2:8080").Should().BeSameAs(before[1]);
    }

    [Fact]
    public async Task An_invalid_configured_endpoint_fails_the_resolution_and_keeps_the_previous_destinations()
    {
        var (configuration, config) = ReloadableConfigurationSource.Create(EndpointsConfig("10.0.0.1:8080"));
        var services = Build(configuration);
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);
        var cluster = Registry(services).GetCluster("orders");

        var failed = NextResolution(source, "orders", "http://orders");
        config.Replace(EndpointsConfig("http://"));
        (await failed).Should().BeOfType<KeyNotFoundException>();

        Describe(cluster).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/");
        _logs.WithEventId(1008).Should().ContainSingle();
    }

    [Fact]
    public async Task A_resolution_that_takes_longer_than_the_resolution_timeout_fails_and_a_retry_applies_its_answer()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        endpoints.Hold();
        var services = BuildWithTestProvider(endpoints, o =>
        {
            o.InitialResolutionTimeout = TimeSpan.Zero;
            o.ResolutionTimeout = TimeSpan.FromSeconds(3);
            o.RetryDelay = TimeSpan.FromSeconds(1);
        });
        var source = Source(services);
        var entered = endpoints.Entered;
        await source.StartAsync(CancellationToken.None);
        await entered.WaitAsync(s_testTimeout);

        var failed = NextResolution(source, "orders", "http://orders");
        _time.Advance(TimeSpan.FromSeconds(3));
        (await failed).Should().BeOfType<TimeoutException>()
            .Which.Message.Should().Be("Resolving service 'http://orders' did not complete within 00:00:03.");
        Registry(services).GetCluster("orders").Snapshot.AllDestinations.Should().BeEmpty();

        var resolved = NextResolution(source, "orders", "http://orders");
        endpoints.Release();
        _time.Advance(TimeSpan.FromSeconds(1));
        (await resolved).Should().BeNull();
        Describe(Registry(services).GetCluster("orders")).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/");
    }

    [Fact]
    public async Task Failed_resolutions_are_retried_after_a_delay_that_doubles_up_to_the_maximum()
    {
        var endpoints = new TestServiceEndpointProvider("orders");
        endpoints.Fail(new InvalidOperationException("No such service."));
        var services = BuildWithTestProvider(endpoints, o =>
        {
            o.RetryDelay = TimeSpan.FromSeconds(1);
            o.MaxRetryDelay = TimeSpan.FromSeconds(3);
        });
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);

        foreach (int delay in new[] { 1, 2, 3, 3 })
        {
            var failed = NextResolution(source, "orders", "http://orders");
            _time.Advance(TimeSpan.FromSeconds(delay) - TimeSpan.FromTicks(1));
            failed.IsCompleted.Should().BeFalse($"the retry waits {delay} s");
            _time.Advance(TimeSpan.FromTicks(1));
            (await failed).Should().BeOfType<InvalidOperationException>();
        }

        _logs.WithEventId(1008).Should().HaveCount(5);
    }

    [Fact]
    public async Task Start_waits_for_the_first_resolution_so_that_the_first_requests_find_destinations()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        endpoints.Hold();
        var services = BuildWithTestProvider(endpoints);
        var entered = endpoints.Entered;

        var start = Source(services).StartAsync(CancellationToken.None);
        await entered.WaitAsync(s_testTimeout);
        start.IsCompleted.Should().BeFalse();

        endpoints.Release();
        await start.WaitAsync(s_testTimeout);
        Describe(Registry(services).GetCluster("orders")).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/");
        _logs.WithEventId(1011).Should().BeEmpty();
    }

    [Fact]
    public async Task Start_gives_up_waiting_after_the_initial_resolution_timeout_and_requests_fail_fast_until_resolution_completes()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        endpoints.Hold();
        var requests = new RecordingHandler();
        var services = BuildWithTestProvider(
            endpoints,
            o => o.InitialResolutionTimeout = TimeSpan.FromSeconds(5),
            s => s.AddHttpClient("orders", c => c.BaseAddress = new Uri("http://orders/"))
                .ConfigurePrimaryHttpMessageHandler(() => requests)
                .AddEdgeKitBalancing("orders"));
        var source = Source(services);

        var start = source.StartAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));
        await start.WaitAsync(s_testTimeout);

        _logs.WithEventId(1011).Select(e => e.Message).Should().Equal(
            "Cluster 'orders': service 'http://orders' was not resolved within 00:00:05; the application starts without its destinations, which are added when resolution completes.");
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("orders");
        var failing = () => client.GetAsync(new Uri("/items", UriKind.Relative));
        (await failing.Should().ThrowAsync<NoAvailableDestinationException>())
            .Which.Message.Should().Be("Cluster 'orders' has no destinations. Add destinations to it in code or configuration.");

        var resolved = NextResolution(source, "orders", "http://orders");
        endpoints.Release();
        (await resolved).Should().BeNull();
        using var response = await client.GetAsync(new Uri("/items", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        requests.Uris.Select(u => u.AbsoluteUri).Should().Equal("http://10.0.0.1:8080/items");
    }

    [Fact]
    public async Task A_first_resolution_that_fails_does_not_stop_the_start()
    {
        var endpoints = new TestServiceEndpointProvider("orders");
        endpoints.Fail(new InvalidOperationException("No such service."));
        var services = BuildWithTestProvider(endpoints);

        await Source(services).StartAsync(CancellationToken.None).WaitAsync(s_testTimeout);

        _logs.WithEventId(1008).Should().ContainSingle();
        Registry(services).GetCluster("orders").Snapshot.AllDestinations.Should().BeEmpty();
    }

    [Fact]
    public async Task Follows_clusters_added_renamed_stripped_of_their_service_and_removed_by_reloads()
    {
        var (configuration, config) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:static:Destinations:a:Address"] = "http://10.0.9.1:8080",
            ["Services:orders:http:0"] = "10.0.0.1:8080",
            ["Services:billing:http:0"] = "10.0.1.1:8080",
        });
        var services = Build(configuration);
        var source = Source(services);
        var registry = Registry(services);
        await source.StartAsync(CancellationToken.None);
        source.WatchedServices.Should().BeEmpty();

        // Added by a reload.
        var resolved = NextResolution(source, "orders", "http://orders");
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:static:Destinations:a:Address"] = "http://10.0.9.1:8080",
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders",
            ["EdgeKit:Clusters:orders:Destinations:fixed:Address"] = "http://10.0.0.99:8080",
            ["Services:orders:http:0"] = "10.0.0.1:8080",
            ["Services:billing:http:0"] = "10.0.1.1:8080",
        });
        (await resolved).Should().BeNull();
        var orders = registry.GetCluster("orders");
        Describe(orders).Should().Equal("fixed -> http://10.0.0.99:8080/", "10.0.0.1:8080 -> http://10.0.0.1:8080/");

        // Its service renamed: the new service's endpoints replace the old ones.
        resolved = NextResolution(source, "orders", "http://billing");
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://billing",
            ["EdgeKit:Clusters:orders:Destinations:fixed:Address"] = "http://10.0.0.99:8080",
            ["Services:orders:http:0"] = "10.0.0.1:8080",
            ["Services:billing:http:0"] = "10.0.1.1:8080",
        });
        (await resolved).Should().BeNull();
        Describe(orders).Should().Equal("fixed -> http://10.0.0.99:8080/", "10.0.1.1:8080 -> http://10.0.1.1:8080/");
        source.WatchedServices.Should().Equal(new Dictionary<string, string> { ["orders"] = "http://billing" });

        // Its service removed: the resolved destinations go, the listed ones stay.
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:fixed:Address"] = "http://10.0.0.99:8080",
            ["Services:billing:http:0"] = "10.0.1.1:8080",
        });
        source.WatchedServices.Should().BeEmpty();
        Describe(orders).Should().Equal("fixed -> http://10.0.0.99:8080/");

        // Removed, then added back: the same cluster object resolves again.
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:static:Destinations:a:Address"] = "http://10.0.9.1:8080",
            ["Services:billing:http:0"] = "10.0.1.1:8080",
        });
        orders.IsRemoved.Should().BeTrue();
        orders.Snapshot.AllDestinations.Should().BeEmpty();

        resolved = NextResolution(source, "orders", "http://billing");
        config.Replace(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://billing",
            ["Services:billing:http:0"] = "10.0.1.1:8080",
        });
        (await resolved).Should().BeNull();
        registry.GetCluster("orders").Should().BeSameAs(orders);
        orders.IsRemoved.Should().BeFalse();
        Describe(orders).Should().Equal("10.0.1.1:8080 -> http://10.0.1.1:8080/");
    }

    [Fact]
    public async Task A_removed_cluster_gets_no_destinations_from_a_resolution_that_was_under_way()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        var (configuration, config) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders",
        });
        var services = Build(configuration, s => s.AddSingleton<IServiceEndpointProviderFactory>(endpoints));
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);
        var orders = Registry(services).GetCluster("orders");

        endpoints.Hold();
        var entered = endpoints.Entered;
        endpoints.Set("10.0.0.2:8080");
        await entered.WaitAsync(s_testTimeout);
        config.Replace(new Dictionary<string, string?> { ["EdgeKit:Clusters:other:ServiceName"] = "http://orders" });
        endpoints.Release();
        await source.StopAsync(CancellationToken.None);

        orders.IsRemoved.Should().BeTrue();
        orders.Snapshot.AllDestinations.Should().BeEmpty();
    }

    [Fact]
    public async Task Stop_ends_every_loop_and_leaves_the_destinations_as_they_are()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        var services = BuildWithTestProvider(endpoints);
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);

        await source.StopAsync(CancellationToken.None).WaitAsync(s_testTimeout);
        endpoints.Set("10.0.0.2:8080");
        _time.Advance(TimeSpan.FromMinutes(10));

        source.WatchedServices.Should().BeEmpty();
        Describe(Registry(services).GetCluster("orders")).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/");
    }

    [Fact]
    public async Task Resolves_again_at_the_refresh_period_when_the_provider_signals_no_change()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        var services = BuildWithTestProvider(endpoints, configureServices: s => s.Configure<ServiceDiscoveryOptions>(o => o.RefreshPeriod = TimeSpan.FromSeconds(30)));
        var source = Source(services);
        await source.StartAsync(CancellationToken.None);

        var refreshed = NextResolution(source, "orders", "http://orders");
        _time.Advance(TimeSpan.FromSeconds(30));
        (await refreshed).Should().BeNull();

        _logs.WithEventId(1003).Should().ContainSingle("an unchanged answer does not replace the destinations");
    }

    [Fact]
    public async Task Endpoints_that_cannot_be_destinations_are_skipped_and_logged()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080", "ftp://10.0.0.2:2121", "10.0.0.1:8080");
        var services = BuildWithTestProvider(endpoints);

        await Source(services).StartAsync(CancellationToken.None);

        Describe(Registry(services).GetCluster("orders")).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/");
        _logs.WithEventId(1009).Select(e => e.Message).Should().Equal(
            "Cluster 'orders': endpoint 'ftp://10.0.0.2:2121/' of service 'http://orders' cannot be a destination and is skipped: address 'ftp://10.0.0.2:2121/' must use http or https, not 'ftp'.");
    }

    [Fact]
    public async Task Runs_as_a_hosted_service_and_stops_with_the_host()
    {
        var endpoints = new TestServiceEndpointProvider("orders", "10.0.0.1:8080");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders" });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IServiceEndpointProviderFactory>(endpoints);
        builder.Services.AddEdgeKit().AddConfiguration(builder.Configuration.GetSection("EdgeKit")).AddServiceDiscovery();
        using var host = builder.Build();

        await host.StartAsync();
        Describe(host.Services.GetRequiredService<ClusterRegistry>().GetCluster("orders")).Should().Equal("10.0.0.1:8080 -> http://10.0.0.1:8080/");
        await host.StopAsync();

        host.Services.GetRequiredService<ServiceDiscoveryDestinationSource>().WatchedServices.Should().BeEmpty();
    }

    private ServiceProvider Build(
        IConfiguration configuration,
        Action<IServiceCollection>? configureServices = null,
        Action<ServiceDiscoveryDestinationOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(configuration);
        services.AddLogging(logging => logging.AddProvider(_logs));
        services.AddEdgeKit()
            .AddConfiguration(configuration.GetSection("EdgeKit"))
            .AddServiceDiscovery(configure ?? (_ => { }));
        services.AddConfigurationServiceEndpointProvider();
        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _providers.Add(provider);
        return provider;
    }

    private ServiceProvider BuildWithTestProvider(
        TestServiceEndpointProvider endpoints,
        Action<ServiceDiscoveryDestinationOptions>? configure = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var (configuration, _) = ReloadableConfigurationSource.Create(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders",
        });
        return Build(
            configuration,
            services =>
            {
                services.AddSingleton<IServiceEndpointProviderFactory>(endpoints);
                configureServices?.Invoke(services);
            },
            configure);
    }

    private static Dictionary<string, string?> EndpointsConfig(params string[] endpoints)
    {
        var data = new Dictionary<string, string?> { ["EdgeKit:Clusters:orders:ServiceName"] = "http://orders" };
        for (int i = 0; i < endpoints.Length; i++)
        {
            data[$"Services:orders:http:{i}"] = endpoints[i];
        }

        return data;
    }

    private static ServiceDiscoveryDestinationSource Source(IServiceProvider services) =>
        services.GetRequiredService<ServiceDiscoveryDestinationSource>();

    private static ClusterRegistry Registry(IServiceProvider services) => services.GetRequiredService<ClusterRegistry>();

    private static string[] Describe(Cluster cluster) =>
        cluster.Snapshot.AllDestinations.Select(d => $"{d.Id} -> {d.Destination.Address}").ToArray();

    private static DestinationState State(Cluster cluster, string id) =>
        cluster.Snapshot.TryGetDestination(id, out var state) ? state : throw new KeyNotFoundException(id);

    /// <summary>Completes with the error (or null) of the next resolution of <paramref name="serviceName"/> for <paramref name="cluster"/>.</summary>
    private static Task<Exception?> NextResolution(ServiceDiscoveryDestinationSource source, string cluster, string serviceName)
    {
        var completed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<string, string, Exception?>? handler = null;
        handler = (name, service, error) =>
        {
            if (name == cluster && service == serviceName && completed.TrySetResult(error))
            {
                source.ResolutionCompleted -= handler;
            }
        };
        source.ResolutionCompleted += handler;
        return completed.Task.WaitAsync(s_testTimeout);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        private readonly List<Uri> _uris = [];

        public IReadOnlyList<Uri> Uris
        {
            get
            {
                lock (_uris)
                {
                    return [.. _uris];
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_uris)
            {
                _uris.Add(request.RequestUri!);
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
