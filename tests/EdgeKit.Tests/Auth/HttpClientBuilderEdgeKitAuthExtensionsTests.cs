using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.Tests.Auth;

public class HttpClientBuilderEdgeKitAuthExtensionsTests
{
    [Fact]
    public async Task The_API_key_replaces_any_header_the_request_had_and_is_added_once()
    {
        var terminal = new FakeTerminalHandler();
        var services = new ServiceCollection();
        services.AddHttpClient("api", c => c.BaseAddress = new Uri("http://10.0.0.1/"))
            .ConfigurePrimaryHttpMessageHandler(() => terminal)
            .AddEdgeKitApiKey(o => o.Key = "first")
            .AddEdgeKitApiKey(o => { o.Key = "k-123"; o.HeaderName = "X-Key"; });
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        using var request = new HttpRequestMessage(HttpMethod.Get, "x");
        request.Headers.Add("X-Key", "forged");

        await client.SendAsync(request);

        terminal.Sent.Single().Request.Headers.GetValues("X-Key").Should().Equal("k-123");
    }

    [Fact]
    public void A_missing_key_is_reported_when_the_client_is_created()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("api").AddEdgeKitApiKey(o => o.HeaderName = "X-Key");
        using var provider = services.BuildServiceProvider();

        var create = () => provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");

        create.Should().Throw<OptionsValidationException>().WithMessage("The API key credentials of HttpClient 'api' need a Key (visible ASCII) and a valid HeaderName.");
    }

    [Fact]
    public void Client_credentials_options_are_validated_with_the_client_name()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("orders").AddEdgeKitClientCredentials(o => o.ClientId = "c");
        using var provider = services.BuildServiceProvider();

        var get = () => provider.GetRequiredService<IOptionsMonitor<EdgeKit.Configuration.ClientCredentialsOptions>>().Get("orders");

        get.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "HttpClient 'orders': ClientCredentialsOptions.TokenEndpoint must be an absolute URI.",
            "HttpClient 'orders': ClientCredentialsOptions.ClientSecret is required.");
    }
}
