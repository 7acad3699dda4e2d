using System.Net;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using EdgeKit.Aggregation;
using EdgeKit.Configuration;

namespace EdgeKit.Benchmarks;

/// <summary>
/// The aggregator's overhead over calling the legs directly, with an in-memory handler (no network) answering each
/// path with a fixed JSON body. The baseline of each category is what a hand-written backend-for-frontend does: the same
/// requests through the same <see cref="HttpClient"/>, bodies read whole, written into one object with
/// <see cref="Utf8JsonWriter.WriteRawValue(ReadOnlySpan{byte}, bool)"/> (no re-serialisation), and for the dependent
/// leg the value taken from a <see cref="JsonDocument"/>. Both write to <see cref="Stream.Null"/>.
/// </summary>
/// <remarks>
/// Categories: <c>Parallel</c>, two independent legs (an order of ~0.6 KB and a stock list of ~0.3 KB); <c>Dependent</c>,
/// an order then its customer by the order's <c>customerId</c>; <c>FanOut</c>, an order then one product per item (8).
/// No telemetry listener is attached.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AggregationBenchmarks
{
    private static readonly byte[] s_order = Encoding.UTF8.GetBytes(
        """{"id":"o-1","customerId":"c-42","status":"shipped","items":[""" +
        string.Join(",", Enumerable.Range(1, 8).Select(i => $$"""{"productId":{{i}},"qty":{{i % 3 + 1}},"price":{{i * 3}}.5}""")) +
        """],"shipping":{"street":"1 Main Street","city":"Springfield","zip":"12345"},"notes":"leave at the door"}""");

    private static readonly byte[] s_stock = Encoding.UTF8.GetBytes(
        "[" + string.Join(",", Enumerable.Range(1, 8).Select(i => $$"""{"productId":{{i}},"available":{{i * 7}}}""")) + "]");

    private static readonly byte[] s_customer = Encoding.UTF8.GetBytes("""{"id":"c-42","name":"Ada Lovelace","tier":"gold","email":"ada@example.org"}""");

    private static readonly byte[] s_product = Encoding.UTF8.GetBytes("""{"productId":1,"name":"Widget","price":3.5}""");

    private HttpClient _client = null!;
    private Aggregator _parallel = null!;
    private Aggregator _dependent = null!;
    private Aggregator _fanOut = null!;
    private readonly AggregateRequest _request = new AggregateRequest().WithArgument("id", "o-1");

    [GlobalSetup]
    public void Setup()
    {
        _client = new HttpClient(new JsonHandler()) { BaseAddress = new Uri("http://shop/") };
        _parallel = new Aggregator("parallel", new AggregateOptions()
            .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
            .AddLeg("stock", l => { l.Cluster = "shop"; l.Path = "/stock"; }), _ => _client);
        _dependent = new Aggregator("dependent", new AggregateOptions()
            .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
            .AddLeg("customer", l => { l.Cluster = "shop"; l.Path = "/customers/{order.customerId}"; }), _ => _client);
        _fanOut = new Aggregator("fan-out", new AggregateOptions()
            .AddLeg("order", l => { l.Cluster = "shop"; l.Path = "/orders/{id}"; })
            .AddLeg("products", l => { l.Cluster = "shop"; l.Path = "/products/{item.productId}"; l.ForEach = "order.items"; }), _ => _client);
    }

    [GlobalCleanup]
    public void Cleanup() => _client.Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory("Parallel")]
    public async Task Direct_Parallel()
    {
        var order = _client.GetByteArrayAsync("/orders/o-1");
        var stock = _client.GetByteArrayAsync("/stock");
        await using var json = new Utf8JsonWriter(Stream.Null);
        json.WriteStartObject();
        json.WritePropertyName("order");
        json.WriteRawValue(await order);
        json.WritePropertyName("stock");
        json.WriteRawValue(await stock);
        json.WriteEndObject();
        await json.FlushAsync();
    }

    [Benchmark, BenchmarkCategory("Parallel")]
    public Task Aggregator_Parallel() => RunAsync(_parallel);

    [Benchmark(Baseline = true), BenchmarkCategory("Dependent")]
    public async Task Direct_Dependent()
    {
        var order = await _client.GetByteArrayAsync("/orders/o-1");
        string customerId;
        using (var document = JsonDocument.Parse(order))
        {
            customerId = document.RootElement.GetProperty("customerId").GetString()!;
        }

        var customer = await _client.GetByteArrayAsync("/customers/" + Uri.EscapeDataString(customerId));
        await using var json = new Utf8JsonWriter(Stream.Null);
        json.WriteStartObject();
        json.WritePropertyName("order");
        json.WriteRawValue(order);
        json.WritePropertyName("customer");
        json.WriteRawValue(customer);
        json.WriteEndObject();
        await json.FlushAsync();
    }

    [Benchmark, BenchmarkCategory("Dependent")]
    public Task Aggregator_Dependent() => RunAsync(_dependent);

    [Benchmark(Baseline = true), BenchmarkCategory("FanOut")]
    public async Task Direct_FanOut()
    {
        var order = await _client.GetByteArrayAsync("/orders/o-1");
        Task<byte[]>[] products;
        using (var document = JsonDocument.Parse(order))
        {
            // The same cap as the aggregator's default (4) would need a semaphore; all at once is the cheaper baseline.
            products = document.RootElement.GetProperty("items").EnumerateArray()
                .Select(item => _client.GetByteArrayAsync("/products/" + item.GetProperty("productId").GetRawText())).ToArray();
        }

        await using var json = new Utf8JsonWriter(Stream.Null);
        json.WriteStartObject();
        json.WritePropertyName("order");
        json.WriteRawValue(order);
        json.WriteStartArray("products");
        foreach (var product in products)
        {
            json.WriteRawValue(await product);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync();
    }

    [Benchmark, BenchmarkCategory("FanOut")]
    public Task Aggregator_FanOut() => RunAsync(_fanOut);

    private async Task RunAsync(Aggregator aggregator)
    {
        using var result = await aggregator.ExecuteAsync(_request);
        await result.WriteToAsync(Stream.Null);
    }

    /// <summary>Answers at once from memory: the order, stock, customer or product JSON by path.</summary>
    private sealed class JsonHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string path = request.RequestUri!.AbsolutePath;
            byte[] body = path.StartsWith("/orders/", StringComparison.Ordinal) ? s_order
                : path.StartsWith("/customers/", StringComparison.Ordinal) ? s_customer
                : path.StartsWith("/products/", StringComparison.Ordinal) ? s_product
                : s_stock;
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }
}
