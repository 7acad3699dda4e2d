using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Migration;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.AspNetCore.Tests.Migration;

/// <summary>
/// YARP configurations, shaped like the examples of YARP's documentation, run through EdgeKit with
/// <c>AddYarpConfiguration</c>: real requests through a real gateway to real backends, landing where YARP sends them.
/// </summary>
public sealed class YarpConfigurationTests
{
    private static readonly Action<IEdgeKitBuilder, IConfiguration> s_yarp = (edge, configuration) => edge.AddYarpConfiguration(configuration.GetSection("ReverseProxy"));

    private static async Task<JsonObject> EchoAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static string Header(JsonObject echo, string name) =>
        echo["headers"]![name] is JsonArray values ? string.Join(",", values.Select(v => v!.GetValue<string>())) : "(absent)";

    [Fact]
    public async Task The_basic_catch_all_route_with_round_robin_spreads_requests_in_turn_and_keeps_path_and_query()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        await using var gateway = await ImportGatewayHost.StartAsync($$"""
            {
              "ReverseProxy": {
                "Routes": {
                  "route1": { "ClusterId": "cluster1", "Match": { "Path": "{**catch-all}" } }
                },
                "Clusters": {
                  "cluster1": {
                    "LoadBalancingPolicy": "RoundRobin",
                    "Destinations": {
                      "cluster1/destination1": { "Address": "{{one.Address}}/" },
                      "cluster1/destination2": { "Address": "{{two.Address}}/" }
                    }
                  }
                }
              }
            }
            """, s_yarp);

        var backends = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            var echo = await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, $"/shop/items/{i}?q=x"));
            echo["path"]!.GetValue<string>().Should().Be($"/shop/items/{i}");
            echo["query"]!.GetValue<string>().Should().Be("?q=x");
            backends.Add(echo["backend"]!.GetValue<string>());
        }

        backends.Distinct().Should().HaveCount(2);
        backends.Should().Equal(backends[0], backends[1], backends[0], backends[1], backends[0], backends[1]);
        one.Requests.Should().Be(3);
        two.Requests.Should().Be(3);
    }

    [Fact]
    public async Task Header_query_method_and_host_matches_with_their_modes_and_order_route_as_yarp_documents()
    {
        await using var fallback = await EchoBackend.StartAsync("fallback");
        await using var matched = await EchoBackend.StartAsync("matched");
        string json = $$"""
            {
              "ReverseProxy": {
                "Routes": {
                  "exact":    { "ClusterId": "m", "Order": 1, "Match": { "Path": "/exact/{**rest}", "Headers": [ { "Name": "header1", "Values": [ "value1" ], "Mode": "ExactHeader" } ] } },
                  "prefix":   { "ClusterId": "m", "Order": 1, "Match": { "Path": "/prefix/{**rest}", "Headers": [ { "Name": "header2", "Values": [ "1prefix", "2prefix" ], "Mode": "HeaderPrefix" } ] } },
                  "exists":   { "ClusterId": "m", "Order": 1, "Match": { "Path": "/exists/{**rest}", "Headers": [ { "Name": "header3", "Mode": "Exists" } ] } },
                  "absent":   { "ClusterId": "m", "Order": 1, "Match": { "Path": "/absent/{**rest}", "Headers": [ { "Name": "header4", "Mode": "NotExists" } ] } },
                  "contains": { "ClusterId": "m", "Order": 1, "Match": { "Path": "/contains/{**rest}", "Headers": [ { "Name": "header5", "Values": [ "abc" ], "Mode": "Contains", "IsCaseSensitive": true } ] } },
                  "query":    { "ClusterId": "m", "Order": 1, "Match": { "Path": "/query/{**rest}", "QueryParameters": [ { "Name": "stringParam", "Values": [ "red" ], "Mode": "Exact" } ] } },
                  "qprefix":  { "ClusterId": "m", "Order": 1, "Match": { "Path": "/qprefix/{**rest}", "QueryParameters": [ { "Name": "p", "Values": [ "ab" ], "Mode": "Prefix" } ] } },
                  "qexists":  { "ClusterId": "m", "Order": 1, "Match": { "Path": "/qexists/{**rest}", "QueryParameters": [ { "Name": "debug", "Mode": "Exists" } ] } },
                  "post":     { "ClusterId": "m", "Order": 1, "Match": { "Path": "/method/{**rest}", "Methods": [ "POST", "PUT" ] } },
                  "host":     { "ClusterId": "m", "Order": 1, "Match": { "Path": "/host/{**rest}", "Hosts": [ "*.example.com" ] } },
                  "catchall": { "ClusterId": "f", "Order": 100, "Match": { "Path": "{**catch-all}" } }
                },
                "Clusters": {
                  "m": { "Destinations": { "d": { "Address": "{{matched.Address}}" } } },
                  "f": { "Destinations": { "d": { "Address": "{{fallback.Address}}" } } }
                }
              }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_yarp);

        async Task<string> LandsOn(HttpMethod method, string path, params (string Name, string Value)[] headers)
        {
            var request = new HttpRequestMessage(method, path);
            foreach (var (name, value) in headers)
            {
                if (name == "Host")
                {
                    request.Headers.Host = value;
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return (await EchoAsync(gateway.Client, request))["backend"]!.GetValue<string>();
        }

        (await LandsOn(HttpMethod.Get, "/exact/x", ("header1", "VALUE1"))).Should().Be("matched", "YARP compares header values case-insensitively unless IsCaseSensitive");
        (await LandsOn(HttpMethod.Get, "/exact/x", ("header1", "value1x"))).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/prefix/x", ("header2", "2prefix-and-more"))).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/prefix/x", ("header2", "3prefix"))).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/exists/x", ("header3", "anything"))).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/exists/x")).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/absent/x")).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/absent/x", ("header4", "1"))).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/contains/x", ("header5", "xxabcxx"))).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/contains/x", ("header5", "xxABCxx"))).Should().Be("fallback", "IsCaseSensitive is true");
        (await LandsOn(HttpMethod.Get, "/query/x?stringParam=Red")).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/query/x?stringParam=blue")).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/qprefix/x?p=abc")).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/qprefix/x?p=xab")).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/qexists/x?debug=1")).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/qexists/x")).Should().Be("fallback");
        (await LandsOn(HttpMethod.Put, "/method/x")).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/method/x")).Should().Be("fallback");
        (await LandsOn(HttpMethod.Get, "/host/x", ("Host", "shop.example.com"))).Should().Be("matched");
        (await LandsOn(HttpMethod.Get, "/host/x", ("Host", "example.org"))).Should().Be("fallback");
        matched.Requests.Should().Be(10);
        fallback.Requests.Should().Be(10);
    }

    [Fact]
    public async Task Transforms_in_yarp_list_form_change_path_query_and_headers_and_forwarded_headers_default_to_set()
    {
        await using var backend = await EchoBackend.StartAsync("api");
        string json = $$"""
            {
              "ReverseProxy": {
                "Routes": {
                  "api": {
                    "ClusterId": "c",
                    "Match": { "Path": "/api/{**rest}" },
                    "Transforms": [
                      { "PathRemovePrefix": "/api" },
                      { "PathPrefix": "/v2" },
                      { "QueryValueParameter": "source", "Append": "gateway" },
                      { "QueryRemoveParameter": "debug" },
                      { "RequestHeader": "X-Tenant", "Set": "contoso" },
                      { "RequestHeaderRemove": "X-Secret" },
                      { "RequestHeadersCopy": "true" },
                      { "ResponseHeader": "X-Served-By", "Append": "edge", "When": "Success" },
                      { "ResponseHeaderRemove": "X-Backend", "When": "Always" }
                    ]
                  },
                  "pattern": {
                    "ClusterId": "c",
                    "Match": { "Path": "/users/{id}/orders/{**rest}" },
                    "Transforms": [ { "PathPattern": "/orders/{rest}/owner/{id}" }, { "RequestHeaderOriginalHost": "true" } ]
                  },
                  "forwarded": {
                    "ClusterId": "c",
                    "Match": { "Path": "/fwd/{**rest}" },
                    "Transforms": [ { "PathSet": "/fixed" }, { "Forwarded": "proto,host", "Action": "Set" } ]
                  }
                },
                "Clusters": { "c": { "Destinations": { "d": { "Address": "{{backend.Address}}" } } } }
              }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_yarp);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/items/7?debug=1&page=2");
        request.Headers.Add("X-Secret", "s3cret");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        using (var response = await gateway.Client.SendAsync(request))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.GetValues("X-Served-By").Should().Equal("edge");
            response.Headers.Contains("X-Backend").Should().BeFalse();
            var echo = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            echo["path"]!.GetValue<string>().Should().Be("/v2/items/7");
            echo["query"]!.GetValue<string>().Should().Be("?page=2&source=gateway");
            Header(echo, "x-tenant").Should().Be("contoso");
            Header(echo, "x-secret").Should().Be("(absent)");
            Header(echo, "x-forwarded-for").Should().Be("127.0.0.1", "YARP's default X-Forwarded action is Set: the client's value is replaced");
            Header(echo, "x-forwarded-proto").Should().Be("http");
        }

        var pattern = new HttpRequestMessage(HttpMethod.Get, "/users/42/orders/2024/05");
        pattern.Headers.Host = "shop.example";
        var patterned = await EchoAsync(gateway.Client, pattern);
        patterned["path"]!.GetValue<string>().Should().Be("/orders/2024/05/owner/42");
        Header(patterned, "host").Should().Be("shop.example");

        var forwardedRequest = new HttpRequestMessage(HttpMethod.Get, "/fwd/anything");
        forwardedRequest.Headers.Add("X-Forwarded-For", "6.6.6.6");
        var forwarded = await EchoAsync(gateway.Client, forwardedRequest);
        forwarded["path"]!.GetValue<string>().Should().Be("/fixed");
        Header(forwarded, "forwarded").Should().StartWith("proto=http;host=");
        Header(forwarded, "x-forwarded-for").Should().Be("6.6.6.6", "with a Forwarded transform and no X-Forwarded one YARP adds no X-Forwarded-* and copies the client's");
    }

    [Fact]
    public async Task Session_affinity_keeps_a_client_on_its_destination_with_yarps_cookie_name_and_attributes()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        string Config(string destinations) => $$"""
            {
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "{**catch-all}" } } },
                "Clusters": {
                  "c": {
                    "LoadBalancingPolicy": "RoundRobin",
                    "SessionAffinity": {
                      "Enabled": true,
                      "Policy": "HashCookie",
                      "FailurePolicy": "Return503Error",
                      "AffinityKeyName": "Key1",
                      "Cookie": { "Path": "/", "SameSite": "Strict", "SecurePolicy": "None", "HttpOnly": true }
                    },
                    "Destinations": { {{destinations}} }
                  }
                }
              }
            }
            """;
        string both = $"\"one\": {{ \"Address\": \"{one.Address}\" }}, \"two\": {{ \"Address\": \"{two.Address}\" }}";
        string json = Config(both);
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_yarp);

        using var first = await gateway.Client.GetAsync("/x");
        string landed = first.Headers.GetValues("X-Backend").Single();
        string cookie = first.Headers.GetValues("Set-Cookie").Single();
        cookie.Should().StartWith("Key1=").And.Contain("samesite=strict").And.Contain("httponly").And.Contain("path=/");
        string pair = cookie.Split(';')[0];
        for (int i = 0; i < 4; i++)
        {
            var again = new HttpRequestMessage(HttpMethod.Get, "/x");
            again.Headers.Add("Cookie", pair);
            (await EchoAsync(gateway.Client, again))["backend"]!.GetValue<string>().Should().Be(landed);
        }

        var affinity = gateway.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<EdgeKit.AspNetCore.Configuration.GatewayOptions>>().CurrentValue.SessionAffinity["c"];
        affinity.FailurePolicy.Should().Be(EdgeKit.AspNetCore.Affinity.SessionAffinityFailurePolicy.Return503);
        affinity.Mode.Should().Be(EdgeKit.AspNetCore.Affinity.SessionAffinityMode.Cookie);
    }

    [Fact]
    public async Task The_clusters_activity_timeout_answers_504_when_the_backend_is_silent_on_the_fake_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await EchoBackend.StartAsync();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Override = async context =>
        {
            arrived.TrySetResult();
            await release.Task.WaitAsync(context.RequestAborted);
        };
        string json = $$"""
            {
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Timeout": "00:01:00", "Match": { "Path": "{**catch-all}" } } },
                "Clusters": { "c": { "HttpRequest": { "ActivityTimeout": "00:00:20" }, "Destinations": { "d": { "Address": "{{backend.Address}}" } } } }
              }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_yarp, b => b.Services.AddSingleton<TimeProvider>(time));

        var call = gateway.Client.GetAsync("/slow");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(19));
        call.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(10));
        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        release.TrySetResult();
    }

    [Fact]
    public async Task Active_health_checks_follow_yarps_consecutive_failures_policy_on_the_fake_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        int oneHealth = 200;
        foreach (var backend in new[] { one, two })
        {
            var name = backend.Name;
            backend.Override = async context =>
            {
                context.Response.StatusCode = context.Request.Path == "/api/health" && name == "one" ? Volatile.Read(ref oneHealth) : 200;
                context.Response.Headers["X-Backend"] = name;
                await context.Response.WriteAsync(name);
            };
        }

        string json = $$"""
            {
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "{**catch-all}" } } },
                "Clusters": {
                  "c": {
                    "LoadBalancingPolicy": "RoundRobin",
                    "HealthCheck": { "Active": { "Enabled": "true", "Interval": "00:00:10", "Timeout": "00:00:05", "Policy": "ConsecutiveFailures", "Path": "/api/health" } },
                    "Destinations": { "one": { "Address": "{{one.Address}}" }, "two": { "Address": "{{two.Address}}" } }
                  }
                }
              }
            }
            """;
        var rounds = new System.Threading.Channels.UnboundedChannelOptions();
        var completed = System.Threading.Channels.Channel.CreateUnbounded<int>(rounds);
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_yarp, b => b.Services.AddSingleton<TimeProvider>(time), app =>
            app.Services.GetRequiredService<EdgeKit.Health.ActiveHealthProber>().RoundCompleted += (cluster, _) => completed.Writer.TryWrite(0));
        await completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        async Task RoundAsync()
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        async Task<Dictionary<string, int>> SpreadAsync()
        {
            var counts = new Dictionary<string, int>();
            for (int i = 0; i < 4; i++)
            {
                using var response = await gateway.Client.GetAsync("/x");
                response.StatusCode.Should().Be(HttpStatusCode.OK);
                string backend = response.Headers.GetValues("X-Backend").Single();
                counts[backend] = counts.GetValueOrDefault(backend) + 1;
            }

            return counts;
        }

        (await SpreadAsync()).Should().BeEquivalentTo(new Dictionary<string, int> { ["one"] = 2, ["two"] = 2 });
        Volatile.Write(ref oneHealth, 500);
        await RoundAsync();
        (await SpreadAsync()).Should().BeEquivalentTo(new Dictionary<string, int> { ["one"] = 2, ["two"] = 2 }, "one failure is below YARP's default threshold of 2");
        await RoundAsync();
        (await SpreadAsync()).Should().BeEquivalentTo(new Dictionary<string, int> { ["two"] = 4 }, "two consecutive failures make the destination unhealthy (HealthyAndUnknown: no traffic)");
        Volatile.Write(ref oneHealth, 200);
        await RoundAsync();
        (await SpreadAsync()).Should().BeEquivalentTo(new Dictionary<string, int> { ["one"] = 2, ["two"] = 2 }, "YARP makes a destination healthy on its first successful probe");
    }

    [Fact]
    public async Task HttpRequest_version_2_with_RequestVersionExact_speaks_h2c_to_the_destination()
    {
        await using var backend = await EchoBackend.StartAsync("h2", HttpProtocols.Http2);
        string json = $$"""
            {
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "{**catch-all}" } } },
                "Clusters": { "c": { "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionExact" }, "Destinations": { "d": { "Address": "{{backend.Address}}" } } } }
              }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(json, s_yarp);

        (await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, "/x")))["protocol"]!.GetValue<string>().Should().Be("HTTP/2");
    }

    [Fact]
    public void Clusters_map_policies_health_and_http_client_settings_to_edgekit_options()
    {
        var imported = YarpConfigurationImporter.Import(Section("""
            {
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Hosts": [ "a.example" ] }, "Metadata": { "team": "shop" } } },
                "Clusters": {
                  "c": {
                    "LoadBalancingPolicy": "LeastRequests",
                    "HealthCheck": {
                      "Active": { "Enabled": "true", "Interval": "00:00:10", "Timeout": "00:00:05", "Policy": "ConsecutiveFailures", "Path": "/api/health", "Query": "?deep=1" },
                      "Passive": { "Enabled": false },
                      "AvailableDestinationsPolicy": "HealthyOrPanic"
                    },
                    "Metadata": { "ConsecutiveFailuresHealthPolicy.Threshold": "3" },
                    "HttpClient": { "SslProtocols": "Tls12, Tls13", "DangerousAcceptAnyServerCertificate": true, "MaxConnectionsPerServer": 10, "EnableMultipleHttp2Connections": false },
                    "Destinations": { "d1": { "Address": "https://localhost:10000/" }, "d2": { "Address": "http://localhost:10010/", "Health": "http://localhost:10020/", "Metadata": { "zone": "b" } } }
                  },
                  "plain": { "Destinations": { "d": { "Address": "http://localhost:1/" } } }
                }
              }
            }
            """));

        imported.Errors.Should().BeEmpty();
        var c = imported.Clusters["c"];
        c.LoadBalancing.Strategy.Should().Be("LeastRequests");
        c.Health.Active.Enabled.Should().BeTrue();
        c.Health.Active.Interval.Should().Be(TimeSpan.FromSeconds(10));
        c.Health.Active.Timeout.Should().Be(TimeSpan.FromSeconds(5));
        c.Health.Active.Path.Should().Be("/api/health?deep=1");
        c.Health.Active.HealthyStatuses.Should().Be("200-299");
        c.Health.Active.HealthyThreshold.Should().Be(1);
        c.Health.Active.UnhealthyThreshold.Should().Be(3);
        c.Health.OutlierDetection.Enabled.Should().BeFalse();
        c.Health.PanicThreshold.Should().BeGreaterThan(0).And.BeLessThan(0.001);
        c.HttpClient.SslProtocols.Should().Be(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);
        c.HttpClient.DangerousAcceptAnyServerCertificate.Should().BeTrue();
        c.HttpClient.MaxConnectionsPerServer.Should().Be(10);
        c.HttpClient.EnableMultipleHttp2Connections.Should().BeFalse();
        c.Destinations["d2"].HealthAddress.Should().Be("http://localhost:10020/");
        c.Destinations["d2"].Metadata["zone"].Should().Be("b");
        var plain = imported.Clusters["plain"];
        plain.LoadBalancing.Strategy.Should().Be("PowerOfTwoChoices");
        plain.Health.Active.Enabled.Should().BeFalse();
        plain.Health.OutlierDetection.Enabled.Should().BeFalse("YARP has no passive health checks unless enabled");
        plain.Health.PanicThreshold.Should().Be(0, "HealthyAndUnknown never sends to an unhealthy destination");
        imported.Routes["r"].Match.Hosts.Should().Equal("a.example");
        imported.Routes["r"].Match.Path.Should().BeNull();
        imported.Routes["r"].Metadata["team"].Should().Be("shop");
    }

    [Fact]
    public async Task Every_key_edgekit_does_not_support_and_every_unknown_key_fails_the_start_at_once_naming_its_path()
    {
        string json = """
            {
              "ReverseProxy": {
                "Routes": {
                  "r1": {
                    "ClusterId": "c1",
                    "Matc": { "Path": "/x" },
                    "OutputCachePolicy": "cache",
                    "Timeout": "10s",
                    "Transforms": [ { "RequestHeadersAllowed": "Accept" }, { "PathPrefix": "/a", "Sett": "x" }, { "RequestHeadersCopy": "false" }, { "PathSet": "no-slash" } ]
                  },
                  "r2": { "ClusterId": "missing", "Match": { "Path": "/y", "Headers": [ { "Name": "h", "Values": [ "v" ], "Mode": "NotContains" } ] } }
                },
                "Clusters": {
                  "c1": {
                    "LoadBalancingPolicy": "FirstAlphabetical",
                    "HttpClient": { "WebProxy": { "Address": "http://proxy:8080" } },
                    "HealthCheck": { "Passive": { "Enabled": true, "Policy": "TransportFailureRate" } },
                    "Destinations": { "d1": { "Address": "http://localhost:1/", "Host": "contoso" } }
                  }
                }
              }
            }
            """;
        var app = ImportGatewayHost.Build(json, s_yarp, null, out _, out _);
        await using var disposeApp = app;

        var start = () => app.StartAsync();

        var error = (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().BeEquivalentTo(
            "ReverseProxy:Clusters:c1:LoadBalancingPolicy is not supported by EdgeKit: EdgeKit has no strategy that always picks the first destination by name; list only that destination, or pick another policy.",
            "ReverseProxy:Clusters:c1:HealthCheck:Passive:Enabled is not supported by EdgeKit: EdgeKit's passive health is outlier detection (consecutive failures, success rate, failure percentage; see docs/outlier-detection.md), not YARP's transport failure rate; set Enabled to false and configure EdgeKit:Clusters:<name>:Health:OutlierDetection instead.",
            "ReverseProxy:Clusters:c1:HttpClient:WebProxy is not supported by EdgeKit: EdgeKit connects to destinations directly; it does not send through an outbound HTTP proxy.",
            "ReverseProxy:Clusters:c1:Destinations:d1:Host is not supported by EdgeKit: EdgeKit sends the destination address's own host (or the client's with the RequestHeaderOriginalHost transform); a fixed Host per destination is not supported.",
            "ReverseProxy:Routes:r1:Matc is not a YARP route setting; did you mean Match?",
            "ReverseProxy:Routes:r1:OutputCachePolicy is not supported by EdgeKit: EdgeKit caches with its own HTTP caching policies rather than ASP.NET output caching; define one under EdgeKit:Caching:Policies and name it in the route's CachePolicy.",
            "ReverseProxy:Routes:r1:Match: needs a Path or Hosts (as YARP requires).",
            "ReverseProxy:Routes:r1:Timeout: '10s' is not a time span written as hh:mm:ss, e.g. 00:00:10.",
            "ReverseProxy:Routes:r1:Transforms:0:RequestHeadersAllowed is not supported by EdgeKit: EdgeKit forwards every request header except hop-by-hop ones; remove headers one by one with RequestHeaderRemove.",
            "ReverseProxy:Routes:r1:Transforms:1:Sett is not a setting of YARP's PathPrefix transform (it takes none).",
            "ReverseProxy:Routes:r1:Transforms:2:RequestHeadersCopy is not supported by EdgeKit: EdgeKit always copies request headers (except hop-by-hop ones); only 'true' is accepted. Remove headers one by one instead.",
            "ReverseProxy:Routes:r2:ClusterId: 'missing' is not one of the clusters of this configuration (c1).",
            "ReverseProxy:Routes:r2:Match:Headers:0:Mode is not supported by EdgeKit: EdgeKit has no NotContains match; match the values to exclude with Contains on a route with a lower Order that answers them instead.");
    }

    [Fact]
    public void Match_problems_are_reported_with_the_yarp_path_by_yarps_rules()
    {
        var imported = YarpConfigurationImporter.Import(Section("""
            { "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": {
                  "Path": "/x/{id",
                  "Headers": [ { "Name": "h1", "Mode": "ExactHeader" }, { "Name": "h2", "Values": [ "v" ], "Mode": "Exists" }, { "Values": [ "v" ] }, { "Name": "h4", "Values": [ "v" ], "Mode": "Exactly" } ],
                  "QueryParameters": [ { "Name": "q", "Mode": "Prefix" } ] } } },
                "Clusters": { "c": { "Destinations": { "d": { "Address": "http://localhost:1/" } } } } } }
            """));

        imported.Errors.Should().HaveCount(6);
        imported.Errors[0].Should().StartWith("ReverseProxy:Routes:r:Match:Path: '/x/{id' is not a valid route template: ");
        imported.Errors.Skip(1).Should().Equal(
            "ReverseProxy:Routes:r:Match:Headers:0:Values: at least one value is required with Mode Exact.",
            "ReverseProxy:Routes:r:Match:Headers:1:Values: must not be given with Mode Exists.",
            "ReverseProxy:Routes:r:Match:Headers:2:Name is required.",
            "ReverseProxy:Routes:r:Match:Headers:3:Mode: 'Exactly' is not one of ExactHeader, HeaderPrefix, Contains, NotContains, Exists, NotExists.",
            "ReverseProxy:Routes:r:Match:QueryParameters:0:Values: at least one value is required with Mode Prefix.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Beside_edgekits_own_section_both_route_and_a_shared_route_id_fails_the_start_in_either_order(bool yarpFirst)
    {
        await using var yarpBackend = await EchoBackend.StartAsync("yarp");
        await using var edgeBackend = await EchoBackend.StartAsync("edgekit");
        string Json(string yarpRoute) => $$"""
            {
              "ReverseProxy": {
                "Routes": { "{{yarpRoute}}": { "ClusterId": "legacy", "Match": { "Path": "/legacy/{**rest}" } } },
                "Clusters": { "legacy": { "Destinations": { "d": { "Address": "{{yarpBackend.Address}}" } } } }
              },
              "EdgeKit": {
                "Routes": { "orders": { "Match": { "Path": "/orders/{**rest}" }, "Cluster": "orders" } },
                "Clusters": { "orders": { "Destinations": { "d": { "Address": "{{edgeBackend.Address}}" } } } }
              }
            }
            """;
        Action<IEdgeKitBuilder, IConfiguration> register = (edge, configuration) =>
        {
            if (yarpFirst)
            {
                edge.AddYarpConfiguration(configuration.GetSection("ReverseProxy")).AddGateway(configuration.GetSection("EdgeKit"));
            }
            else
            {
                edge.AddGateway(configuration.GetSection("EdgeKit")).AddYarpConfiguration(configuration.GetSection("ReverseProxy"));
            }
        };

        await using (var gateway = await ImportGatewayHost.StartAsync(Json("legacy"), register))
        {
            (await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, "/legacy/1")))["backend"]!.GetValue<string>().Should().Be("yarp");
            (await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, "/orders/1")))["backend"]!.GetValue<string>().Should().Be("edgekit");
        }

        var app = ImportGatewayHost.Build(Json("orders"), register, null, out _, out _);
        await using var disposeApp = app;
        var start = () =>
        {
            app.MapEdgeKit();
            return app.StartAsync();
        };
        (await start.Should().ThrowAsync<EdgeKitConfigurationException>()).Which.Errors.Should().Equal(
            "ReverseProxy:Routes:orders: the imported route 'orders' has the same name as one already configured (EdgeKit's own configuration or another import); rename one.");
    }

    [Fact]
    public void A_bad_transform_value_is_reported_with_the_yarp_path()
    {
        var imported = YarpConfigurationImporter.Import(Section("""
            { "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/x" }, "Transforms": [ { "PathSet": "no-slash" }, { "ResponseHeader": "X-A", "Set": "1", "When": "Sometimes" } ] } },
                "Clusters": { "c": { "Destinations": { "d": { "Address": "http://localhost:1/" } } } } } }
            """));

        imported.Errors.Should().HaveCount(2);
        imported.Errors[0].Should().Be("ReverseProxy:Routes:r:Transforms:0: PathSet 'no-slash' must start with '/'.");
        imported.Errors[1].Should().StartWith("ReverseProxy:Routes:r:Transforms:1: ");
    }

    [Fact]
    public async Task The_section_reloads_like_edgekits_own_and_a_bad_reload_changes_nothing()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        string Config(string address, string extra = "") => $$"""
            {
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "{**catch-all}" }{{extra}} } },
                "Clusters": { "c": { "Destinations": { "d": { "Address": "{{address}}" } } } }
              }
            }
            """;
        await using var gateway = await ImportGatewayHost.StartAsync(Config(one.Address), s_yarp);
        (await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, "/a")))["backend"]!.GetValue<string>().Should().Be("one");

        gateway.Reload(Config(two.Address));
        (await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, "/a")))["backend"]!.GetValue<string>().Should().Be("two");

        gateway.Reload(Config(one.Address, ", \"AuthorisationPolicy\": \"default\""));
        (await EchoAsync(gateway.Client, new HttpRequestMessage(HttpMethod.Get, "/a")))["backend"]!.GetValue<string>().Should().Be("two", "an invalid reload leaves the routes and clusters in force");
        gateway.Logs.Entries.Select(e => e.Message).Where(m => m.Contains("AuthorisationPolicy", StringComparison.Ordinal)).Should().ContainSingle()
            .Which.Should().Contain("ReverseProxy:Routes:r:AuthorisationPolicy is not a YARP route setting; did you mean AuthorizationPolicy?");
    }

    private static IConfigurationSection Section(string json) =>
        new ConfigurationBuilder().AddInMemoryCollection(ImportGatewayHost.Flatten(json)).Build().GetSection("ReverseProxy");
}
