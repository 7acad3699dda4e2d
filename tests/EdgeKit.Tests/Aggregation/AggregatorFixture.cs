using System.Buffers;
using System.Text;
using EdgeKit.Aggregation;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Aggregation;

/// <summary>An aggregator over one <see cref="FakeLegHandler"/>, every leg's client based at <c>http://backend/</c>.</summary>
internal sealed class AggregatorFixture
{
    public FakeLegHandler Backend { get; } = new();

    public FakeTimeProvider Time { get; } = new();

    public HttpClient Client { get; }

    public AggregatorFixture()
    {
        Client = new HttpClient(Backend) { BaseAddress = new Uri("http://backend/") };
    }

    public Aggregator Create(AggregateOptions options, string name = "agg") => new(name, options, _ => Client, Time);

    public static AggregateOptions Options(params (string Name, string Path)[] legs)
    {
        var options = new AggregateOptions();
        foreach (var (name, path) in legs)
        {
            options.AddLeg(name, l => { l.Cluster = "backend"; l.Path = path; });
        }

        return options;
    }

    public async Task<(AggregateResult Result, string Body)> RunAsync(Aggregator aggregator, AggregateRequest? request = null)
    {
        var result = await aggregator.ExecuteAsync(request ?? new AggregateRequest());
        return (result, Write(result));
    }

    public static string Write(AggregateResult result)
    {
        var buffer = new ArrayBufferWriter<byte>();
        result.WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
