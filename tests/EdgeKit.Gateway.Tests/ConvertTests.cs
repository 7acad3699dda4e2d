using EdgeKit.Gateway.Tests.TestSupport;

namespace EdgeKit.Gateway.Tests;

/// <summary><c>edgekit convert</c>: the EdgeKit file for a YARP or an Ocelot configuration, and what could not be carried over.</summary>
public sealed class ConvertTests
{
    private const string Yarp = """
        {
          "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } },
          "AllowedHosts": "*",
          "ReverseProxy": {
            "Routes": {
              "route1": {
                "ClusterId": "cluster1",
                "Match": { "Path": "/api/{**catch-all}", "Methods": [ "GET", "POST" ] },
                "Order": 1,
                "Timeout": "00:00:30",
                "Transforms": [ { "PathRemovePrefix": "/api" }, { "RequestHeader": "X-Gateway", "Set": "edgekit" } ]
              },
              "route2": { "ClusterId": "cluster1", "Match": { "Hosts": [ "shop.example.com" ] }, "OutputCachePolicy": "short" }
            },
            "Clusters": {
              "cluster1": {
                "LoadBalancingPolicy": "RoundRobin",
                "HttpClient": { "MaxConnectionsPerServer": 100, "WebProxy": { "Address": "http://proxy:8080" } },
                "Destinations": {
                  "d1": { "Address": "http://10.0.0.11:8080/" },
                  "d2": { "Address": "http://10.0.0.12:8080/" }
                }
              }
            }
          }
        }
        """;

    private const string YarpConverted = """
        {
          "EdgeKit": {
            "Clusters": {
              "cluster1": {
                "Destinations": {
                  "d1": {
                    "Address": "http://10.0.0.11:8080/"
                  },
                  "d2": {
                    "Address": "http://10.0.0.12:8080/"
                  }
                },
                "LoadBalancing": {
                  "Strategy": "RoundRobin"
                },
                "Health": {
                  "Active": {
                    "Path": "/",
                    "Interval": "00:00:15",
                    "Timeout": "00:00:10",
                    "HealthyStatuses": "200-299",
                    "HealthyThreshold": 1,
                    "UnhealthyThreshold": 2
                  },
                  "OutlierDetection": {
                    "Enabled": false
                  },
                  "PanicThreshold": 0
                },
                "HttpClient": {
                  "MaxConnectionsPerServer": 100
                }
              }
            },
            "Routes": {
              "route1": {
                "Match": {
                  "Path": "/api/{**catch-all}",
                  "Methods": [
                    "GET",
                    "POST"
                  ]
                },
                "Order": 1,
                "Cluster": "cluster1",
                "Timeout": "00:00:30",
                "Transforms": [
                  {
                    "PathRemovePrefix": "/api"
                  },
                  {
                    "RequestHeader": "X-Gateway",
                    "Set": "edgekit"
                  }
                ]
              },
              "route2": {
                "Match": {
                  "Hosts": [
                    "shop.example.com"
                  ]
                },
                "Cluster": "cluster1"
              }
            }
          },
          "Logging": {
            "LogLevel": {
              "Default": "Information",
              "Microsoft.AspNetCore": "Warning"
            }
          }
        }

        """;

    private const string Ocelot = """
        {
          "Routes": [
            {
              "UpstreamPathTemplate": "/orders/{id}",
              "UpstreamHttpMethod": [ "Get" ],
              "DownstreamPathTemplate": "/api/orders/{id}",
              "DownstreamScheme": "http",
              "DownstreamHostAndPorts": [ { "Host": "10.0.0.21", "Port": 8080 }, { "Host": "10.0.0.22", "Port": 8080 } ],
              "LoadBalancerOptions": { "Type": "LeastConnection" },
              "RateLimitOptions": { "EnableRateLimiting": true, "Period": "1s", "PeriodTimespan": 1, "Limit": 10 }
            }
          ],
          "GlobalConfiguration": { "BaseUrl": "https://api.example.com" }
        }
        """;

    private const string OcelotConverted = """
        {
          "EdgeKit": {
            "Clusters": {
              "ocelot-route0": {
                "Destinations": {
                  "10.0.0.21-8080": {
                    "Address": "http://10.0.0.21:8080"
                  },
                  "10.0.0.22-8080": {
                    "Address": "http://10.0.0.22:8080"
                  }
                },
                "LoadBalancing": {
                  "Strategy": "LeastRequests"
                },
                "Health": {
                  "OutlierDetection": {
                    "Enabled": false
                  },
                  "PanicThreshold": 0
                },
                "HttpClient": {
                  "RequestVersion": "1.1"
                }
              }
            },
            "Routes": {
              "route0": {
                "Match": {
                  "Path": "/orders/{**id}",
                  "Methods": [
                    "Get"
                  ]
                },
                "Order": -1,
                "Cluster": "ocelot-route0",
                "RateLimiterPolicy": "ocelot-route0",
                "Transforms": [
                  {
                    "PathPattern": "/api/orders/{**id}"
                  }
                ]
              }
            },
            "RateLimiting": {
              "Policies": {
                "ocelot-route0": {
                  "Limits": [
                    {
                      "PermitLimit": 10,
                      "Window": "00:00:01"
                    }
                  ],
                  "Partition": {
                    "Kind": "Header",
                    "Name": "ClientId"
                  }
                }
              }
            }
          }
        }

        """;

    private static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public async Task A_YARP_configuration_becomes_an_EdgeKit_file_that_passes_the_check_and_what_is_left_out_is_listed()
    {
        using var folder = new TempFolder();
        var input = folder.Write("appsettings.json", Yarp);
        var target = Path.Combine(folder.Path, "gateway.json");

        var (exit, output, error) = await CheckTests.RunAsync("convert", "--from", "yarp", input, "--output", target);

        Lf(File.ReadAllText(target)).Should().Be(Lf(YarpConverted));
        output.Should().BeEmpty();
        error.Should().Be(Lf($"""
            {target}: written.
            {input}: 3 settings were not carried over:
              AllowedHosts is not part of YARP's configuration and was not converted.
              ReverseProxy:Clusters:cluster1:HttpClient:WebProxy is not supported by EdgeKit: EdgeKit connects to destinations directly; it does not send through an outbound HTTP proxy.
              ReverseProxy:Routes:route2:OutputCachePolicy is not supported by EdgeKit: EdgeKit caches with its own HTTP caching policies rather than ASP.NET output caching; define one under EdgeKit:Caching:Policies and name it in the route's CachePolicy.

            """));
        exit.Should().Be(1);

        var check = await CheckTests.RunAsync("check", target);
        check.Should().Be((0, $"{target}: valid (2 routes, 1 cluster).\n", ""));
    }

    [Fact]
    public async Task An_Ocelot_configuration_becomes_an_EdgeKit_file_on_standard_output()
    {
        using var folder = new TempFolder();
        var input = folder.Write("ocelot.json", Ocelot);

        var (exit, output, error) = await CheckTests.RunAsync("convert", "--from", "ocelot", input);

        Lf(output).Should().Be(Lf(OcelotConverted));
        // Rate limiting is carried as an EdgeKit policy; how it differs from Ocelot's is listed, and nothing was left out.
        error.Should().Be(Lf($"""
            {input}: 1 setting was carried over with a difference:
              Routes:0:RateLimitOptions: carried as the EdgeKit rate-limit policy 'ocelot:route0' (10 per 1s for each ClientId header value); it refills its 10 requests gradually over 1s where Ocelot's fixed window refills them all at once at the window's end, and after the limit a client waits for its next request (Retry-After), not PeriodTimespan (1 s) as Ocelot bans it; requests without the ClientId header are counted by client IP address, where Ocelot counts them all together.
            {input}: everything was carried over.

            """));
        exit.Should().Be(0);

        // The importer's destination ids are host:port; ':' separates configuration sections, so they are written host-port.
        var target = folder.Write("gateway.json", output);
        (await CheckTests.RunAsync("check", target)).Should().Be((0, $"{target}: valid (1 route, 1 cluster).\n", ""));
    }

    [Fact]
    public async Task Names_the_importer_makes_with_a_colon_are_written_so_that_the_file_passes_the_check()
    {
        using var folder = new TempFolder();
        var input = folder.Write("ocelot.json", """
            {
              "Routes": [ {
                "UpstreamPathTemplate": "/orders", "DownstreamPathTemplate": "/orders", "DownstreamScheme": "http",
                "DownstreamHostAndPorts": [ { "Host": "10.0.0.21", "Port": 8080 } ],
                "AuthenticationOptions": { "AuthenticationProviderKey": "ApiKey", "AllowedScopes": [ "orders.read" ] } } ]
            }
            """);

        var (exit, output, _) = await CheckTests.RunAsync("convert", "--from", "ocelot", input);

        exit.Should().Be(0);
        output.Should().Contain("\"AuthorizationPolicy\": \"ocelot-route0\"").And.Contain("\"ocelot-route0\": {").And.NotContain("ocelot:route0");
        // With the API-key preset the policy names, the converted file is a gateway.
        var converted = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        converted["EdgeKit"]!["Authentication"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "ApiKeys": { "Keys": { } } }""");
        var target = folder.Write("gateway.json", converted.ToJsonString());
        (await CheckTests.RunAsync("check", target)).Should().Be((0, $"{target}: valid (1 route, 1 cluster).\n", ""));
    }

    [Fact]
    public async Task A_configuration_carried_over_entirely_exits_with_0_and_a_wrong_dialect_with_2()
    {
        using var folder = new TempFolder();
        var input = folder.Write("ocelot.json", Ocelot.Replace("\"EnableRateLimiting\": true", "\"EnableRateLimiting\": false", StringComparison.Ordinal));

        var (exit, _, error) = await CheckTests.RunAsync("convert", "--from", "ocelot", input);
        error.Should().Be($"{input}: everything was carried over.\n");
        exit.Should().Be(0);

        (exit, _, error) = await CheckTests.RunAsync("convert", "--from", "nginx", input);
        (exit, error).Should().Be((2, "--from: 'nginx' is not yarp or ocelot.\n"));
    }
}
