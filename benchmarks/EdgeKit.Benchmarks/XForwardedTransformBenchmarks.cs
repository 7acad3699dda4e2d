using System.Net;
using BenchmarkDotNet.Attributes;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Transforms;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;

namespace EdgeKit.Benchmarks;

/// <summary>
/// The forwarded headers every route sends: EdgeKit's <c>X-Forwarded-For/Proto/Host/Prefix</c> transform against
/// YARP 2.3's four X-Forwarded transforms, on the same request, with a client value already copied (as the forwarder
/// leaves it). <c>Set</c>: an untrusted client's value is replaced; <c>Append</c>: a known proxy's value is extended.
/// The request's headers are cleared and the client's value re-added before each call, on both sides alike.
/// </summary>
[MemoryDiagnoser]
public class XForwardedTransformBenchmarks
{
    private readonly DefaultHttpContext _http = new();
    private readonly HttpRequestMessage _request = new();
    private XForwardedTransform _edgeKit = null!;
    private Yarp.ReverseProxy.Transforms.RequestTransform[] _yarp = null!;
    private EdgeKit.AspNetCore.Transforms.RequestTransformContext _edgeKitContext = null!;
    private Yarp.ReverseProxy.Transforms.RequestTransformContext _yarpContext = null!;

    /// <summary>Set (an untrusted client) or Append (a known proxy).</summary>
    [Params("Set", "Append")]
    public string Action { get; set; } = "Set";

    [GlobalSetup]
    public void Setup()
    {
        _http.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.7");
        _http.Request.Scheme = "https";
        _http.Request.Host = new HostString("api.example.com");
        _http.Request.PathBase = "/base";
        _http.Request.Path = "/orders/1";
        bool append = Action == "Append";
        var proxies = TrustedProxies.Parse(["10.0.0.0/8"], "b", []);
        var edgeKitAction = append ? ForwardedHeaderAction.Append : ForwardedHeaderAction.Set;
        _edgeKit = new XForwardedTransform("X-Forwarded-", edgeKitAction, edgeKitAction, edgeKitAction, edgeKitAction, proxies);
        _edgeKitContext = new EdgeKit.AspNetCore.Transforms.RequestTransformContext(_http, _request, "http://10.0.0.11:8080");

        var yarpAction = append ? ForwardedTransformActions.Append : ForwardedTransformActions.Set;
        _yarp =
        [
            new RequestHeaderXForwardedForTransform("X-Forwarded-For", yarpAction),
            new RequestHeaderXForwardedProtoTransform("X-Forwarded-Proto", yarpAction),
            new RequestHeaderXForwardedHostTransform("X-Forwarded-Host", yarpAction),
            new RequestHeaderXForwardedPrefixTransform("X-Forwarded-Prefix", yarpAction),
        ];
        _yarpContext = new Yarp.ReverseProxy.Transforms.RequestTransformContext
        {
            HttpContext = _http,
            ProxyRequest = _request,
            Path = _http.Request.Path,
            DestinationPrefix = "http://10.0.0.11:8080",
            HeadersCopied = true,
        };
        // YARP reads the client's value from the HttpContext; EdgeKit from the copied request.
        _http.Request.Headers["X-Forwarded-For"] = "203.0.113.9";
    }

    [Benchmark(Baseline = true)]
    public async ValueTask Yarp()
    {
        ResetRequest();
        foreach (var transform in _yarp)
        {
            await transform.ApplyAsync(_yarpContext);
        }
    }

    [Benchmark]
    public ValueTask EdgeKit()
    {
        ResetRequest();
        return _edgeKit.ApplyAsync(_edgeKitContext);
    }

    private void ResetRequest()
    {
        _request.Headers.Clear();
        _request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
    }
}
