using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.PublicApi.Tests.Transforms;

/// <summary>A third-party transform adds a configuration key exactly as a built-in one does.</summary>
public sealed class TransformFactoryTests
{
    private const string BuiltInKeys = "PathPrefix, PathRemovePrefix, PathSet, PathPattern, QueryParameter, QueryRemoveParameter, HttpMethodChange, RequestHeader, RequestHeaderRemove, RequestHeaderOriginalHost, ResponseHeader, ResponseHeaderRemove, X-Forwarded, Forwarded, RequestBodyJson, ResponseBodyJson";

    private static Dictionary<string, string?> Route(string address, params (string Key, string? Value)[] transforms)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:Destinations:d:Address"] = address,
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        };
        foreach (var (key, value) in transforms)
        {
            settings["Routes:r:Transforms:" + key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task A_custom_key_in_configuration_is_built_by_its_factory_and_applied_to_requests()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            Route(backend.Address, ("0:PathPrefix", "/v2"), ("1:Stamp", "blue"), ("2:stamp", "green"), ("2:Header", "X-Colour")),
            builder => builder.Services.AddEdgeKit().AddTransformFactory<StampTransformFactory>());

        var echo = await gateway.Client.GetFromJsonAsync<JsonObject>("/orders/1");

        echo!["rawTarget"]!.GetValue<string>().Should().Be("/v2/orders/1");
        echo["headers"]!["x-stamp"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("blue /orders/1");
        echo["headers"]!["x-colour"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("green /orders/1");
    }

    [Fact]
    public async Task A_custom_entry_is_checked_like_a_built_in_one_and_every_problem_fails_the_start_with_its_path()
    {
        var act = () => GatewayHost.StartAsync(
            Route("http://127.0.0.1:1", ("0:Stamp", ""), ("1:Stamp", "x"), ("1:Headr", "X-A"), ("2:Stamp", "x"), ("2:Header", "Bad Name"), ("3:Stamp", "boom"), ("4:Stomp", "x")),
            builder => builder.Services.AddEdgeKit().AddTransformFactory(new StampTransformFactory()));

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal(
            "EdgeKit:Routes:r:Transforms:0: Stamp needs a value, the text sent in the header.",
            "EdgeKit:Routes:r:Transforms:1: Stamp does not know Headr; its settings are Header.",
            "EdgeKit:Routes:r:Transforms:2: Header 'Bad Name' is not a header name.",
            "EdgeKit:Routes:r:Transforms:3: the Stamp transform could not be built: boom is not allowed.",
            $"EdgeKit:Routes:r:Transforms:4: unknown transform (Stomp); known transforms: {BuiltInKeys}, Stamp.");
    }

    [Fact]
    public async Task Without_its_factory_a_custom_key_is_an_unknown_transform()
    {
        var act = () => GatewayHost.StartAsync(Route("http://127.0.0.1:1", ("0:Stamp", "blue")));

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal($"EdgeKit:Routes:r:Transforms:0: unknown transform (Stamp); known transforms: {BuiltInKeys}.");
    }

    [Fact]
    public async Task A_reload_with_a_bad_custom_entry_is_rejected_and_the_transforms_in_force_stay()
    {
        await using var backend = await EchoBackend.StartAsync();
        var settings = Route(backend.Address, ("0:Stamp", "blue"));
        await using var gateway = await GatewayHost.StartAsync(settings, builder => builder.Services.AddEdgeKit().AddTransformFactory<StampTransformFactory>());

        gateway.Reload(Route(backend.Address, ("0:Stamp", "")));
        var echo = await gateway.Client.GetFromJsonAsync<JsonObject>("/x");

        echo!["headers"]!["x-stamp"]![0]!.GetValue<string>().Should().Be("blue /x");
        gateway.Logs.Entries.Where(e => e.EventId == 1401).Select(e => e.Message)
            .Should().Contain(m => m.EndsWith("EdgeKit:Routes:r:Transforms:0: Stamp needs a value, the text sent in the header.", StringComparison.Ordinal));
    }

    /// <summary>Key <c>Stamp</c>: sends its value and the client's path in a header (<c>Header</c>, default <c>X-Stamp</c>).</summary>
    private sealed class StampTransformFactory : ITransformFactory
    {
        public string Key => "Stamp";

        public IReadOnlyList<string> Settings { get; } = ["Header"];

        public void Build(TransformFactoryContext context)
        {
            if (context.Value.Length == 0)
            {
                context.AddError("Stamp needs a value, the text sent in the header.");
            }

            if (context.Value == "boom")
            {
                throw new InvalidOperationException("boom is not allowed.");
            }

            string header = context.GetSetting("Header") ?? "X-Stamp";
            if (header.Length == 0 || header.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            {
                context.AddError($"Header '{header}' is not a header name.");
            }

            if (!context.HasErrors)
            {
                context.AddRequestTransform(new StampTransform(header, context.Value));
            }
        }
    }

    private sealed class StampTransform(string header, string value) : RequestTransform
    {
        public override ValueTask ApplyAsync(RequestTransformContext context)
        {
            context.ProxyRequest.Headers.Add(header, value + " " + context.HttpContext.Request.Path);
            return default;
        }
    }
}
