using System.Net;
using EdgeKit.Caching;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.Tests.Caching;

public sealed class EdgeKitBuilderCachingExtensionsTests
{
    [Fact]
    public void AddCaching_registers_a_64_MiB_memory_store_once_however_often_it_is_called()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddCaching().AddCaching();
        services.AddEdgeKit().AddCaching();

        using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(IHttpCacheStore)).Should().Be(1);
        provider.GetRequiredService<IHttpCacheStore>().Should().BeOfType<MemoryHttpCacheStore>()
            .Which.SizeLimit.Should().Be(64L * 1024 * 1024);
    }

    [Fact]
    public void Policies_come_from_configuration_and_code_and_code_is_applied_last()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Caching:Memory:SizeLimit"] = "1000000",
            ["EdgeKit:Caching:Policies:api:Mode"] = "Private",
            ["EdgeKit:Caching:Policies:api:MaximumEntrySize"] = "2048",
            ["EdgeKit:Caching:Policies:api:StaleRetention"] = "00:01:00",
            ["EdgeKit:Caching:Policies:static:CoalesceRequests"] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddEdgeKit()
            .AddCaching(configuration.GetSection("EdgeKit:Caching"))
            .AddCachePolicy("api", o => o.CacheStatusName = "edge-api")
            .AddCachePolicy("code-only");

        using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<HttpCacheRegistry>();

        registry.Names.Should().BeEquivalentTo(["api", "static", "code-only"]);
        var api = registry.Get("API").Options;
        api.Mode.Should().Be(HttpCacheMode.Private);
        api.MaximumEntrySize.Should().Be(2048);
        api.StaleRetention.Should().Be(TimeSpan.FromMinutes(1));
        api.CacheStatusName.Should().Be("edge-api");
        registry.Get("static").Options.CoalesceRequests.Should().BeFalse();
        ((MemoryHttpCacheStore)provider.GetRequiredService<IHttpCacheStore>()).SizeLimit.Should().Be(1_000_000);
    }

    [Fact]
    public void An_unknown_policy_is_a_KeyNotFoundException_that_says_how_to_define_it()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddCachePolicy("api");
        using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<HttpCacheRegistry>().Get("apj"))
            .Should().Throw<KeyNotFoundException>()
            .WithMessage("No EdgeKit cache policy is named 'apj'. Define it with AddCachePolicy(\"apj\", ...) or in configuration under EdgeKit:Caching:Policies:apj.");
    }

    [Fact]
    public void Invalid_policy_options_fail_validation_with_every_problem()
    {
        var services = new ServiceCollection();
        services.AddEdgeKit().AddCachePolicy("api", o =>
        {
            o.MaximumEntrySize = -1;
            o.StaleRetention = TimeSpan.FromSeconds(-1);
        });
        using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<IOptionsMonitor<HttpCacheOptions>>().Get("api"))
            .Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().HaveCount(2);
    }

    [Fact]
    public void UseDistributedCacheStore_and_UseHybridCacheStore_replace_the_store()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(new NullDistributedCache());
        services.AddEdgeKit().AddCaching().UseDistributedCacheStore("p:");

        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IHttpCacheStore>().Should().BeOfType<DistributedHttpCacheStore>().Which.KeyPrefix.Should().Be("p:");
        services.Count(d => d.ServiceType == typeof(IHttpCacheStore)).Should().Be(1);
    }

    [Fact]
    public async Task AddEdgeKitCaching_puts_a_cache_in_front_of_the_client()
    {
        var terminal = new FakeTerminalHandler
        {
            Respond = (request, _) =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent("x") };
                response.Headers.TryAddWithoutValidation("Cache-Control", "max-age=60");
                return Task.FromResult(response);
            },
        };
        var services = new ServiceCollection();
        services.AddHttpClient("orders", c => c.BaseAddress = new Uri("http://orders/"))
            .AddEdgeKitCaching(o => o.Mode = HttpCacheMode.Private)
            .ConfigurePrimaryHttpMessageHandler(() => terminal);
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("orders");

        await client.GetStringAsync("a");
        using var second = await client.GetAsync("a");

        terminal.Sent.Should().HaveCount(1);
        second.Headers.GetValues("Cache-Status").Single().Should().StartWith("EdgeKit; hit; ttl=");
        provider.GetRequiredService<HttpCacheRegistry>().Get("orders").Options.Mode.Should().Be(HttpCacheMode.Private);
    }

    private sealed class NullDistributedCache : Microsoft.Extensions.Caching.Distributed.IDistributedCache
    {
        public byte[]? Get(string key) => null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult<byte[]?>(null);

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key)
        {
        }

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Set(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options)
        {
        }

        public Task SetAsync(string key, byte[] value, Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions options, CancellationToken token = default) => Task.CompletedTask;
    }
}
