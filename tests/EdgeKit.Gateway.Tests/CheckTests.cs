using EdgeKit.Gateway.Tests.TestSupport;

namespace EdgeKit.Gateway.Tests;

/// <summary><c>edgekit check</c>: every problem of a file with its key, and the exit code.</summary>
public sealed class CheckTests
{
    internal static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        int exit = await GatewayCommand.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_valid_file_passes_with_exit_code_0()
    {
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", """
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://0.0.0.0:8080" } } },
              "Host": { "LogFormat": "Simple", "ShutdownTimeout": "00:00:10" },
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "EdgeKit": {
                "Clusters": { "orders": { "Destinations": { "o1": { "Address": "http://127.0.0.1:9" } } } },
                "Routes": { "orders": { "Match": { "Path": "/orders/{**rest}" }, "Cluster": "orders" } }
              }
            }
            """);

        var (exit, output, error) = await RunAsync("check", file);

        output.Should().Be($"{file}: valid (1 route, 1 cluster).\n");
        error.Should().BeEmpty();
        exit.Should().Be(0);
    }

    [Fact]
    public async Task Every_problem_is_printed_with_its_path_and_the_exit_code_is_1()
    {
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", """
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
              "Host": { "Redis": { "Conection": "localhost" }, "ShutdownTimeout": "10s", "LogFormat": "Jsno" },
              "Routs": { },
              "EdgeKit": {
                "Clusters": { "orders": { "Destinations": { "o1": { "Address": "http://127.0.0.1:9" } } } },
                "Routes": { "orders": { "Match": { "Path": "/orders/{**rest}" }, "Cluster": "orders", "Timeout": "10s", "AuthorisationPolicy": "x" } }
              }
            }
            """);

        var (exit, output, error) = await RunAsync("check", file);

        output.Should().Be($"""
            {file}: 6 errors:
              `EdgeKit:Routes:orders:AuthorisationPolicy` is not a setting; did you mean `AuthorizationPolicy`?
              `EdgeKit:Routes:orders:Timeout`: '10s' is not a time span; write it as `00:00:10`.
              `Host:LogFormat`: 'Jsno' is not one of Json, Simple; did you mean `Json`?
              `Host:Redis:Conection` is not a setting; the settings here are Configuration.
              `Host:ShutdownTimeout`: '10s' is not a time span; write it as `00:00:10`.
              `Routs` is not a setting; the settings here are EdgeKit, Host, Kestrel, Logging.

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        error.Should().BeEmpty();
        exit.Should().Be(1);
    }

    [Fact]
    public async Task References_the_host_makes_are_checked_too_the_dashboards_policy_and_the_listening_address()
    {
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", """
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "127.0.0.1:8080" }, "other": { "Url": "http://127.0.0.1:8081", "Protocol": "Http2" } } },
              "Host": { "Dashboard": { "Policy": "operators" }, "Cors": { "web": { "Origins": [ "app.example.com" ] } } },
              "EdgeKit": {
                "Clusters": { "orders": { "Destinations": { "o1": { "Address": "http://127.0.0.1:9" } } } },
                "Routes": { "orders": { "Match": { "Path": "/orders" }, "Cluster": "orders" } },
                "Authorization": { "Policies": { "ops": { "Roles": [ "ops" ] } } }
              }
            }
            """);

        var (exit, output, _) = await RunAsync("check", file);

        // Every mistake in the file's keys and values at once; the references the started gateway resolves (the
        // dashboard's policy) come once those are fixed.
        output.Should().Be($"""
            {file}: 3 errors:
              `Kestrel:Endpoints:other:Protocol` is not a setting; did you mean `Protocols`?
              `Host:Cors:web:Origins`: 'app.example.com' is not an origin; write it as scheme://host[:port], e.g. https://app.example.com.
              `Kestrel:Endpoints:http:Url`: '127.0.0.1:8080' is not an address to listen on; write it as http://host:port or https://host:port (host: an IP address, localhost, or * for any).

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        exit.Should().Be(1);

        File.WriteAllText(file, File.ReadAllText(file).Replace("\"Protocol\"", "\"Protocols\"", StringComparison.Ordinal));
        (exit, output, _) = await RunAsync("check", file);

        output.Should().Be($"""
            {file}: 3 errors:
              `Host:Cors:web:Origins`: 'app.example.com' is not an origin; write it as scheme://host[:port], e.g. https://app.example.com.
              `Kestrel:Endpoints:http:Url`: '127.0.0.1:8080' is not an address to listen on; write it as http://host:port or https://host:port (host: an IP address, localhost, or * for any).
              MapEdgeKitDashboard: AuthorizationPolicy 'operators' does not exist; define it under EdgeKit:Authorization:Policies or with builder.Services.AddAuthorization(o => o.AddPolicy("operators", ...)), or use 'default' or 'anonymous'.

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        exit.Should().Be(1);
    }

    [Fact]
    public async Task A_route_naming_a_cluster_that_does_not_exist_fails_the_check()
    {
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", """
            {
              "EdgeKit": {
                "Clusters": { "orders": { "Destinations": { "o1": { "Address": "http://127.0.0.1:9" } } } },
                "Routes": { "orders": { "Match": { "Path": "/orders" }, "Cluster": "order" } }
              }
            }
            """);

        var (exit, output, _) = await RunAsync("check", file);

        output.Should().Be($"{file}: 1 error:\n  EdgeKit:Routes:orders: Cluster 'order' does not exist (known clusters: orders).\n");
        exit.Should().Be(1);
    }

    [Fact]
    public async Task A_file_that_is_not_JSON_is_an_error_and_a_missing_file_or_a_wrong_command_line_exit_with_2()
    {
        using var folder = new TempFolder();
        var file = folder.Write("gateway.json", "{ \"EdgeKit\": { \"Routes\": { } ");

        var (exit, output, _) = await RunAsync("check", file);
        output.Should().Be($"{file}: 1 error:\n  Failed to load configuration from file '{file}': Could not parse the JSON file: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. LineNumber: 0 | BytePositionInLine: 29.\n");
        exit.Should().Be(1);

        var missing = Path.Combine(folder.Path, "missing.json");
        (exit, output, var error) = await RunAsync("check", missing);
        (exit, output, error).Should().Be((2, "", $"{missing}: no such file.\n"));

        (exit, output, error) = await RunAsync("chekc", file);
        exit.Should().Be(2);
        error.Should().StartWith("Usage:\n  edgekit run <gateway.json>");
    }
}
