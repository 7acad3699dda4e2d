using System.Text;
using EdgeKit.AspNetCore.Migration;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Tests.Migration;

/// <summary>
/// The public conversion API (<see cref="EdgeKitConfigurationConverter"/>), used as a third party would: a YARP or
/// Ocelot configuration in, the exact EdgeKit file and the exact lists of what was not carried over or carried with a
/// difference out.
/// </summary>
public sealed class ConfigurationConverterTests
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

    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    private static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public void A_YARP_appsettings_file_gives_the_exact_EdgeKit_file_and_lists_what_was_left_out()
    {
        var conversion = EdgeKitConfigurationConverter.FromYarp(Json(Yarp));

        Lf(conversion.Json).Should().Be(Lf(YarpConverted));
        conversion.NotCarriedOver.Should().Equal(
            "AllowedHosts is not part of YARP's configuration and was not converted.",
            "ReverseProxy:Clusters:cluster1:HttpClient:WebProxy is not supported by EdgeKit: EdgeKit connects to destinations directly; it does not send through an outbound HTTP proxy.",
            "ReverseProxy:Routes:route2:OutputCachePolicy is not supported by EdgeKit: EdgeKit caches with its own HTTP caching policies rather than ASP.NET output caching; define one under EdgeKit:Caching:Policies and name it in the route's CachePolicy.");
        conversion.CarriedInPart.Should().BeEmpty();
    }

    [Fact]
    public void YARP_s_section_alone_converts_the_same_and_an_unknown_key_is_listed_with_its_path()
    {
        var conversion = EdgeKitConfigurationConverter.FromYarp(Json("""
            {
              "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/{**rest}" }, "Colour": "blue" } },
              "Clusters": { "c": { "Destinations": { "d": { "Address": "http://10.0.0.1:8080/" } } } }
            }
            """));

        conversion.NotCarriedOver.Should().ContainSingle().Which.Should().StartWith("Routes:r:Colour ");
        conversion.CarriedInPart.Should().BeEmpty();
        var edgeKit = System.Text.Json.Nodes.JsonNode.Parse(conversion.Json)!["EdgeKit"]!;
        edgeKit["Routes"]!["r"]!.ToJsonString().Should().Be("""{"Match":{"Path":"/{**rest}"},"Cluster":"c"}""");
        edgeKit["Clusters"]!["c"]!["Destinations"]!.ToJsonString().Should().Be("""{"d":{"Address":"http://10.0.0.1:8080/"}}""");
    }

    [Fact]
    public void An_Ocelot_file_gives_the_exact_EdgeKit_file_and_says_what_was_carried_with_a_difference()
    {
        var conversion = EdgeKitConfigurationConverter.FromOcelot(Json(Ocelot));

        Lf(conversion.Json).Should().Be(Lf(OcelotConverted));
        conversion.NotCarriedOver.Should().BeEmpty();
        conversion.CarriedInPart.Should().Equal(
            "Routes:0:RateLimitOptions: carried as the EdgeKit rate-limit policy 'ocelot:route0' (10 per 1s for each ClientId header value); it refills its 10 requests gradually over 1s where Ocelot's fixed window refills them all at once at the window's end, and after the limit a client waits for its next request (Retry-After), not PeriodTimespan (1 s) as Ocelot bans it; requests without the ClientId header are counted by client IP address, where Ocelot counts them all together.");
    }

    [Fact]
    public void A_null_configuration_is_refused()
    {
        FluentActions.Invoking(() => EdgeKitConfigurationConverter.FromYarp(null!)).Should().Throw<ArgumentNullException>().WithParameterName("configuration");
        FluentActions.Invoking(() => EdgeKitConfigurationConverter.FromOcelot(null!)).Should().Throw<ArgumentNullException>().WithParameterName("configuration");
    }
}
