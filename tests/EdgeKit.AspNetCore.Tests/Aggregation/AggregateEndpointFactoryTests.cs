using System.Net;
using System.Text;
using EdgeKit.Aggregation;
using EdgeKit.AspNetCore.Aggregation;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Aggregation;

public class AggregateEndpointFactoryTests
{
    private static Aggregator CreateAggregator(HttpMessageHandler handler)
    {
        var options = new AggregateOptions { ForwardedRequestHeaders = ["Authorization"] }
            .AddLeg("a", l => { l.Cluster = "c"; l.Path = "/a/{id}?q={q}"; })
            .AddLeg("b", l => { l.Cluster = "c"; l.Path = "/b"; l.ForwardedRequestHeaders = ["X-Tenant"]; });
        var client = new HttpClient(handler) { BaseAddress = new Uri("http://c/") };
        return new Aggregator("agg", options, _ => client);
    }

    [Fact]
    public void Route_values_win_over_query_parameters_and_only_forwarded_headers_are_copied()
    {
        var context = new DefaultHttpContext();
        context.Request.RouteValues["id"] = 42;
        context.Request.QueryString = new QueryString("?id=query&q=x&q=y");
        context.Request.Headers.Authorization = "Bearer t";
        context.Request.Headers["X-Tenant"] = "t1";
        context.Request.Headers["X-Other"] = "o";

        var request = AggregateEndpointFactory.CreateRequest(context, CreateAggregator(new Answering("1")));

        request.Arguments.Should().BeEquivalentTo(new Dictionary<string, string> { ["id"] = "42", ["q"] = "x" });
        request.Headers.Keys.Should().BeEquivalentTo("Authorization", "X-Tenant");
        request.Headers["Authorization"].Should().Equal("Bearer t");
    }

    [Fact]
    public async Task The_handler_writes_the_status_headers_and_body_of_the_aggregate()
    {
        var handler = new Answering("""{"x":1}""");
        var services = new ServiceCollection();
        services.AddEdgeKit().AddAggregateEndpoints().AddAggregate("agg", a => a
            .AddLeg("a", l => { l.Client = "shop"; l.Path = "/a/{id}"; })
            .AddLeg("b", l => { l.Client = "shop"; l.Path = "/b"; l.Required = false; l.Default = "null"; }));
        services.AddHttpClient("shop", c => c.BaseAddress = new Uri("http://shop/")).ConfigurePrimaryHttpMessageHandler(() => handler);
        handler.FailPath = "/b";
        await using var provider = services.BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = provider };
        context.Request.RouteValues["id"] = "7";
        using var body = new MemoryStream();
        context.Response.Body = body;

        await provider.GetRequiredService<IAggregateEndpointFactory>().Create("agg")(context);
        await context.Response.BodyWriter.FlushAsync();

        context.Response.StatusCode.Should().Be(200);
        context.Response.ContentType.Should().Be("application/json; charset=utf-8");
        context.Response.Headers["EdgeKit-Missing-Legs"].ToString().Should().Be("b");
        context.Response.Headers.CacheControl.ToString().Should().Be("no-store");
        Encoding.UTF8.GetString(body.ToArray()).Should().Be("""{"a":{"x":1},"b":null,"_missing":["b"]}""");
        handler.Paths.Should().Contain("/a/7");
    }

    [Fact]
    public void Creating_a_handler_needs_a_name()
    {
        var factory = new AggregateEndpointFactory(null!);

        var create = () => factory.Create(" ");

        create.Should().Throw<ArgumentException>().WithParameterName("aggregateName");
    }

    private sealed class Answering(string json) : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _paths = new();

        public string? FailPath { get; set; }

        public IReadOnlyCollection<string> Paths => _paths;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _paths.Enqueue(request.RequestUri!.AbsolutePath);
            return Task.FromResult(request.RequestUri.AbsolutePath == FailPath
                ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json) });
        }
    }
}
