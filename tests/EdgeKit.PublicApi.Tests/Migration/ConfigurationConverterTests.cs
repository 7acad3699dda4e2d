using System.Text;
using EdgeKit.AspNetCore.Migration;
using Microsoft.Extensions.Configuration;

namespace EdgeKit.PublicApi.Tests.Migration;

/// <summary>
/// The public conversion API (<see cref="EdgeKitConfigurationConverter"/>), used as a third party would: a YARP or
/// Ocelot configuration in, the exact EdgeKit file and the exact lists of what was not carried over or carried with a
/// difference out.
/// </summary>
public sealed class ConfigurationConverterTests
{
    private const string Yarp = """
        {
          "Logging": { "LogLevel": { "Default": "Warning" }, "Console": { "FormatterName": "json" } },
          "ReverseProxy": {
            "Routes": {
              "catalog": {
                "ClusterId": "catalog",
                "Match": { "Path": "/catalog/{**rest}", "Headers": [ { "Name": "X-Version", "Values": [ "2" ] } ] },
                "Transforms": [ { "PathPattern": "/{**rest}" } ]
              }
            },
            "Clusters": {
              "catalog": {
                "LoadBalancingPolicy": "LeastRequests",
                "Destinations": { "c1": { "Address": "http://10.0.1.1:9000/" } }
              }
            }
          }
        }
        """;

    private const string YarpConverted = """
        {
          "EdgeKit": {
            "Clusters": {
              "catalog": {
                "Destinations": {
                  "c1": {
                    "Address": "http://10.0.1.1:9000/"
                  }
                },
                "LoadBalancing": {
                  "Strategy": "LeastRequests"
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
                }
              }
            },
            "Routes": {
              "catalog": {
                "Match": {
                  "Path": "/catalog/{**rest}",
                  "Headers": [
                    {
                      "Name": "X-Version",
                      "Values": [
                        "2"
                      ]
                    }
                  ]
                },
                "Cluster": "catalog",
                "Transforms": [
                  {
                    "PathPattern": "/{**rest}"
                  }
                ]
              }
            }
          },
          "Logging": {
            "LogLevel": {
              "Default": "Warning"
            }
          }
        }

        """;

    private const string Ocelot = """
        {
          "Routes": [
            {
              "UpstreamPathTemplate": "/stock/{sku}",
              "DownstreamPathTemplate": "/v1/stock/{sku}",
              "DownstreamScheme": "http",
              "DownstreamHostAndPorts": [ { "Host": "10.0.2.1", "Port": 7000 } ],
              "QoSOptions": { "TimeoutValue": 5000 }
            }
          ]
        }
        """;

    private const string OcelotConverted = """
        {
          "EdgeKit": {
            "Clusters": {
              "ocelot-route0": {
                "Destinations": {
                  "10.0.2.1-7000": {
                    "Address": "http://10.0.2.1:7000"
                  }
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
                  "Path": "/stock/{**sku}"
                },
                "Order": -1,
                "Cluster": "ocelot-route0",
                "Timeout": "00:00:05",
                "Transforms": [
                  {
                    "PathPattern": "/v1/stock/{**sku}"
                  }
                ]
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
            "Logging:Console was not converted: gateway.json's Logging section holds LogLevel only (the console format is Host:LogFormat).");
        conversion.CarriedInPart.Should().BeEmpty();
    }

    [Fact]
    public void YARP_s_section_alone_converts_the_same_and_an_unknown_key_is_listed_with_its_path()
    {
        var conversion = EdgeKitConfigurationConverter.FromYarp(Json("""
            {
              "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/{**rest}" }, "Ordr": 2 } },
              "Clusters": { "c": { "Destinations": { "d": { "Address": "http://10.0.0.1:8080/" } } } }
            }
            """));

        conversion.NotCarriedOver.Should().Equal("Routes:r:Ordr is not a YARP route setting; did you mean Order?");
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
            "Routes:0:QoSOptions:TimeoutValue: carried as the route's Timeout (5000 ms); a request that times out answers 504 Gateway Timeout, where Ocelot answers 503.");
    }

    [Fact]
    public void A_null_configuration_is_refused()
    {
        FluentActions.Invoking(() => EdgeKitConfigurationConverter.FromYarp(null!)).Should().Throw<ArgumentNullException>().WithParameterName("configuration");
        FluentActions.Invoking(() => EdgeKitConfigurationConverter.FromOcelot(null!)).Should().Throw<ArgumentNullException>().WithParameterName("configuration");
    }
}
