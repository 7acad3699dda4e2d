using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.ConfigurationStore;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.ConfigurationStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.ConfigurationStore;

public sealed class SharedConfigurationApplierTests
{
    [Fact]
    public async Task A_missed_change_notification_is_caught_by_the_periodic_check_after_PollInterval()
    {
        await using var backend = await EchoBackend.StartAsync("late");
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var inner = new InMemoryConfigurationStore(time);
        var store = new DeafStore(inner);
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(),
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Services.AddEdgeKit().AddConfigurationStore(builder.Configuration, store, o => o.PollInterval = TimeSpan.FromSeconds(30));
            });
        var provider = gateway.Services.GetRequiredService<SharedConfigurationSource>().Provider;

        await inner.TryWriteAsync(0, $$"""
            { "Clusters": { "late": { "Destinations": { "d": { "Address": "{{backend.Address}}" } } } },
              "Routes": { "late": { "Match": { "Path": "/late/{**rest}" }, "Cluster": "late" } } }
            """, "ops", "PUT");

        // No notification arrives: only the periodic check, due every 30 s of the (fake) clock, finds the new version.
        time.Advance(TimeSpan.FromSeconds(29));
        provider.Status.AppliedVersion.Should().BeNull();
        var waited = Stopwatch.StartNew();
        while (provider.Status.AppliedVersion is null)
        {
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
            await Task.Delay(10);
        }

        provider.Status.AppliedVersion.Should().Be(1);
        provider.Status.AppliedAt.Should().BeOnOrAfter(DateTimeOffset.UnixEpoch.AddSeconds(30));
        (await gateway.Client.GetAsync("/late/1")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_applied_version_is_published_only_once_the_gateway_serves_its_routes()
    {
        await using var backend = await EchoBackend.StartAsync("late");
        var store = new InMemoryConfigurationStore();
        var probe = new ReloadProbe();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(),
            builder =>
            {
                builder.Services.AddSingleton<IValidateOptions<GatewayOptions>>(probe);
                builder.Services.AddEdgeKit().AddConfigurationStore(builder.Configuration, store);
            });
        var provider = gateway.Services.GetRequiredService<SharedConfigurationSource>().Provider;
        var applier = gateway.Services.GetRequiredService<SharedConfigurationApplier>();
        // Inside the gateway's rebuild for version 1 (the probe is one of its validators): its routes are not in force yet.
        var seenWhileBuilding = new ConcurrentQueue<long?>();
        probe.During = () =>
        {
            if (provider.Applied?.Version == 1)
            {
                seenWhileBuilding.Enqueue(provider.Status.AppliedVersion);
            }

            return null;
        };

        await store.TryWriteAsync(0, LateDocument(backend, "/late/{**rest}"), "ops", "PUT");
        await applier.CheckAsync(CancellationToken.None);

        seenWhileBuilding.Should().NotBeEmpty().And.OnlyContain(v => v == null, "the status names a version only once the gateway serves it");
        provider.Status.AppliedVersion.Should().Be(1);
        provider.Status.Origin.Should().Be(SharedConfigurationOrigin.Store);
        (await gateway.Client.GetAsync("/late/1")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_version_the_gateway_refuses_while_applying_it_is_never_shown_as_applied_and_the_previous_one_is_restored()
    {
        await using var backend = await EchoBackend.StartAsync("late");
        var store = new InMemoryConfigurationStore();
        var probe = new ReloadProbe();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(),
            builder =>
            {
                builder.Services.AddSingleton<IValidateOptions<GatewayOptions>>(probe);
                builder.Services.AddEdgeKit().AddConfigurationStore(builder.Configuration, store);
            });
        var provider = gateway.Services.GetRequiredService<SharedConfigurationSource>().Provider;
        var applier = gateway.Services.GetRequiredService<SharedConfigurationApplier>();
        await store.TryWriteAsync(0, LateDocument(backend, "/late/{**rest}"), "ops", "PUT");
        await applier.CheckAsync(CancellationToken.None);
        provider.Status.AppliedVersion.Should().Be(1);

        // Version 2 passes the dry run (the live provider still holds version 1 then) and is refused by the gateway's
        // own rebuild once it is in place: the case the applier restores version 1 for.
        var seenWhileRefusing = new ConcurrentQueue<long?>();
        probe.During = () =>
        {
            if (provider.Applied?.Version != 2)
            {
                return null;
            }

            seenWhileRefusing.Enqueue(provider.Status.AppliedVersion);
            return "refused while applying (test)";
        };
        await store.TryWriteAsync(1, LateDocument(backend, "/other/{**rest}"), "ops", "PUT");
        await applier.CheckAsync(CancellationToken.None);

        seenWhileRefusing.Should().NotBeEmpty().And.OnlyContain(v => v == 1, "version 2 never was in force");
        provider.Applied!.Version.Should().Be(1);
        provider.Status.AppliedVersion.Should().Be(1);
        provider.Status.Origin.Should().Be(SharedConfigurationOrigin.Store);
        provider.Status.LastRejected!.Version.Should().Be(2);
        provider.Status.LastRejected.Errors.Should().Equal("`EdgeKit`: the gateway refused version 2 when applying it; its log says why.");
        (await gateway.Client.GetAsync("/late/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await gateway.Client.GetAsync("/other/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static string LateDocument(EchoBackend backend, string path) => $$"""
        { "Clusters": { "late": { "Destinations": { "d": { "Address": "{{backend.Address}}" } } } },
          "Routes": { "late": { "Match": { "Path": "{{path}}" }, "Cluster": "late" } } }
        """;

    /// <summary>One of the gateway's options validators: runs inside every rebuild of the routes (and every dry run).</summary>
    private sealed class ReloadProbe : IValidateOptions<GatewayOptions>
    {
        /// <summary>Called on each validation; a message refuses the options.</summary>
        public Func<string?>? During { get; set; }

        public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
            During?.Invoke() is { } failure ? ValidateOptionsResult.Fail(failure) : ValidateOptionsResult.Success;
    }

    [Fact]
    public void Options_out_of_range_fail_the_registration_naming_the_option()
    {
        var services = new ServiceCollection();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationManager();
        FluentActions.Invoking(() => services.AddEdgeKit().AddConfigurationStore(configuration, new InMemoryConfigurationStore(), o => o.PollInterval = TimeSpan.FromMilliseconds(10)))
            .Should().Throw<ArgumentException>().WithMessage("ConfigurationStoreOptions.PollInterval is 00:00:00.0100000; it must be at least 00:00:00.1.*");
        FluentActions.Invoking(() => services.AddEdgeKit().AddConfigurationStore(configuration, new InMemoryConfigurationStore(), o => o.SharedSections = []))
            .Should().Throw<ArgumentException>().WithMessage("ConfigurationStoreOptions.SharedSections must name at least one section and no blank one.*");
        services.AddEdgeKit().AddConfigurationStore(configuration, new InMemoryConfigurationStore());
        FluentActions.Invoking(() => services.AddEdgeKit().AddConfigurationStore(configuration, new InMemoryConfigurationStore()))
            .Should().Throw<InvalidOperationException>().WithMessage("AddConfigurationStore was called twice: a gateway reads its shared configuration from one store.");
    }

    /// <summary>A store whose change notifications never arrive (a lost pub/sub message).</summary>
    private sealed class DeafStore(IConfigurationStore inner) : IConfigurationStore
    {
        public Task<ConfigurationVersion?> GetCurrentAsync(CancellationToken cancellationToken = default) => inner.GetCurrentAsync(cancellationToken);

        public Task<ConfigurationVersion?> GetVersionAsync(long version, CancellationToken cancellationToken = default) => inner.GetVersionAsync(version, cancellationToken);

        public Task<IReadOnlyList<ConfigurationVersion>> GetHistoryAsync(int count, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(count, cancellationToken);

        public Task<ConfigurationVersion?> TryWriteAsync(long expectedVersion, string document, string? changedBy, string? change, CancellationToken cancellationToken = default) =>
            inner.TryWriteAsync(expectedVersion, document, changedBy, change, cancellationToken);

        public Task<IAsyncDisposable> SubscribeAsync(Action<long> changed, CancellationToken cancellationToken = default) =>
            Task.FromResult<IAsyncDisposable>(new Nothing());

        private sealed class Nothing : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}

public sealed class SharedConfigurationDashboardTests
{
    [Fact]
    public async Task The_dashboard_shows_the_applied_version_and_a_refused_one()
    {
        await using var backend = await EchoBackend.StartAsync("shop");
        var store = new InMemoryConfigurationStore();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(),
            builder => builder.Services.AddEdgeKit().AddConfigurationStore(builder.Configuration, store),
            app => app.MapEdgeKitDashboard("anonymous"));
        var applier = gateway.Services.GetRequiredService<SharedConfigurationApplier>();
        await store.TryWriteAsync(0, $$"""
            { "Clusters": { "shop": { "Destinations": { "d": { "Address": "{{backend.Address}}" } } } },
              "Routes": { "shop": { "Match": { "Path": "/shop/{**rest}" }, "Cluster": "shop" } } }
            """, "ops", "PUT");
        await applier.CheckAsync(CancellationToken.None);
        await store.TryWriteAsync(1, """{ "Routes": { "shop": { "Match": { "Path": "/shop/{**rest}" }, "Cluster": "gone" } } }""", "ops", "PUT");
        await applier.CheckAsync(CancellationToken.None);

        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(gateway.Address + "/edgekit/dashboard");

        await browser.WaitForAsync("document.querySelector('#state').dataset.state === 'live'", TimeSpan.FromSeconds(15));
        (await browser.EvaluateAsync("document.querySelector('#configuration').dataset.version"))!.GetValue<string>().Should().Be("1");
        (await browser.EvaluateAsync("document.querySelector('#configuration').dataset.refused"))!.GetValue<string>().Should().Be("2");
        (await browser.EvaluateAsync("document.querySelector('#configuration').textContent"))!.GetValue<string>().Should().StartWith("configuration v1 (store) · v2 refused: ");
    }
}
