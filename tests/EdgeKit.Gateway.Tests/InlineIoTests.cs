using EdgeKit.Gateway.Tests.TestSupport;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.Gateway.Tests;

/// <summary><c>Host:InlineIo</c>: what the host sets for Kestrel and the runtime, how a file turns it off, and the bad values it refuses.</summary>
public sealed class InlineIoTests
{
    private static string File(TempFolder folder, string host) => folder.Write("gateway.json", $$"""
        {
          "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" } } },
          {{host}}
          "EdgeKit": {
            "Clusters": { "orders": { "Destinations": { "o1": { "Address": "http://127.0.0.1:9" } } } },
            "Routes": { "orders": { "Match": { "Path": "/orders" }, "Cluster": "orders" } }
          }
        }
        """);

    private static async Task<SocketTransportOptions> TransportOptionsAsync(string file)
    {
        await using var app = GatewayApp.Build(file, checkOnly: true, logging: _ => { });
        return app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
    }

    [Fact]
    public async Task Kestrel_schedules_inline_by_default()
    {
        using var folder = new TempFolder();

        var options = await TransportOptionsAsync(File(folder, ""));

        options.UnsafePreferInlineScheduling.Should().BeTrue();
    }

    [Fact]
    public async Task A_file_that_turns_inline_scheduling_off_leaves_Kestrel_on_the_thread_pool()
    {
        using var folder = new TempFolder();

        var options = await TransportOptionsAsync(File(folder, """ "Host": { "InlineIo": { "Scheduling": false, "SocketCompletions": false } }, """));

        options.UnsafePreferInlineScheduling.Should().BeFalse();
    }

    [Fact]
    public async Task A_value_that_is_not_a_boolean_or_an_unknown_key_fails_the_check_naming_the_key()
    {
        using var folder = new TempFolder();
        var file = File(folder, """ "Host": { "InlineIo": { "Scheduling": "sometimes", "SocketCompletion": true } }, """);

        var (exit, output, _) = await CheckTests.RunAsync("check", file);

        output.Should().Be($"""
            {file}: 2 errors:
              `Host:InlineIo:Scheduling`: 'sometimes' is not true or false.
              `Host:InlineIo:SocketCompletion` is not a setting; did you mean `SocketCompletions`?

            """);
        exit.Should().Be(GatewayCommand.Invalid);
    }

    [Theory]
    [InlineData(false, "1", "`Host:InlineIo:SocketCompletions` is false, but the environment sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (which the runtime reads at start); remove the variable or make the two agree.")]
    [InlineData(true, "0", "`Host:InlineIo:SocketCompletions` is true, but the environment sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 (which the runtime reads at start); remove the variable or make the two agree.")]
    public void A_file_and_an_environment_that_disagree_on_socket_completions_fail_the_start(bool inFile, string inEnvironment, string error)
    {
        var validator = new HostSettingsValidator(new ConfigurationBuilder().Build())
        {
            ReadEnvironment = name => name == "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS" ? inEnvironment : null,
        };

        var result = validator.Validate(null, new HostSettings { InlineIo = new InlineIoSettings { SocketCompletions = inFile } });

        result.Failures.Should().Equal(error);
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(true, "1")]
    [InlineData(false, null)]
    [InlineData(false, "0")]
    public void A_file_and_an_environment_that_agree_or_an_unset_variable_pass(bool inFile, string? inEnvironment)
    {
        var validator = new HostSettingsValidator(new ConfigurationBuilder().Build()) { ReadEnvironment = _ => inEnvironment };

        var result = validator.Validate(null, new HostSettings { InlineIo = new InlineIoSettings { SocketCompletions = inFile } });

        result.Succeeded.Should().BeTrue();
    }
}
