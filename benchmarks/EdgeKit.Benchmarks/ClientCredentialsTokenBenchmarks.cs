using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeKit.Auth;
using EdgeKit.Configuration;

namespace EdgeKit.Benchmarks;

/// <summary>
/// Getting a cached client-credentials token, the operation every outgoing request does: EdgeKit's lock-free read of
/// an immutable cached token against a cache read under a lock (the straightforward way).
/// </summary>
[MemoryDiagnoser]
public class ClientCredentialsTokenBenchmarks
{
    private readonly Lock _lock = new();
    private ClientCredentialsTokenSource _source = null!;
    private string _lockedToken = "";
    private DateTimeOffset _lockedExpiry;

    [GlobalSetup]
    public void Setup()
    {
        var http = new HttpClient(new TokenHandler());
        _source = new ClientCredentialsTokenSource("bench", new ClientCredentialsOptions
        {
            TokenEndpoint = new Uri("https://login.example/token"),
            ClientId = "c",
            ClientSecret = "s",
        }, () => http);
        _source.GetTokenAsync(default).AsTask().GetAwaiter().GetResult();
        _lockedToken = "token";
        _lockedExpiry = DateTimeOffset.UtcNow.AddHours(1);
    }

    [Benchmark(Baseline = true, Description = "lock + expiry check")]
    public string Locked()
    {
        lock (_lock)
        {
            return TimeProvider.System.GetUtcNow() < _lockedExpiry ? _lockedToken : "";
        }
    }

    [Benchmark(Description = "EdgeKit token source (cached)")]
    public string EdgeKitCached() => _source.GetTokenAsync(default).Result;

    private sealed class TokenHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("{\"access_token\":\"token\",\"expires_in\":3600}", Encoding.UTF8, "application/json"),
            });
    }
}
