using System.Text;
using System.Text.Json;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Docs.Tests;

/// <summary>
/// Loads a docs page's <c>```json</c> block as an app's whole configuration, through the same registrations an app
/// makes, and reports every problem its validation finds.
/// </summary>
/// <remarks>
/// The convention: a <c>```json</c> block is EdgeKit configuration, a whole configuration file whose root object has
/// an <c>EdgeKit</c> section; it goes through <c>AddEdgeKit().AddGateway(EdgeKit)</c> (clusters, routes, forwarder,
/// forwarded headers, session affinity, aggregates, caching and rate-limit policies) and, when present,
/// <c>AddEdgeKitJwt</c>/<c>AddEdgeKitApiKeys</c>/<c>AddEdgeKitHmac</c> (<c>Authentication:Jwt|ApiKeys|Hmac</c>),
/// <c>AddAuthorizationPolicies</c> (<c>Authorization</c>), <c>AddIdentityForwarding</c> (<c>IdentityForwarding:&lt;name&gt;</c>)
/// and service discovery (a root <c>Services</c> section). A section EdgeKit does not read is an error. JSON that
/// is not configuration (an HTTP answer) is fenced <c>```json response</c> and only has to parse.
/// Nothing starts: no server, no probe; the time provider is fake. Validation is what the host's start would run:
/// the gateway's routes and clusters (<c>MapEdgeKit</c>), the options validated on start, and EdgeKit's own start checks.
/// </remarks>
internal static class DocsConfiguration
{
    /// <summary>
    /// Every problem found in <paramref name="json"/> written for another gateway (a block fenced <c>```json yarp</c> or
    /// <c>```json ocelot</c>): the whole file, loaded through <c>AddYarpConfiguration(ReverseProxy)</c> or
    /// <c>AddOcelotConfiguration</c> and validated as at start. Empty when EdgeKit accepts it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ValidateImportAsync(string json, string dialect)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (dialect == "yarp" && (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("ReverseProxy", out _)))
            {
                return ["the block is not a YARP configuration file with a ReverseProxy section"];
            }
        }
        catch (JsonException ex)
        {
            return [$"not valid JSON: {ex.Message}"];
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        var edge = builder.Services.AddEdgeKit();
        switch (dialect)
        {
            case "yarp":
                edge.AddYarpConfiguration(builder.Configuration.GetSection("ReverseProxy"));
                break;
            case "ocelot":
                edge.AddOcelotConfiguration(builder.Configuration);
                break;
            default:
                return [$"'{dialect}' is not a configuration format the docs tests read (yarp, ocelot)"];
        }

        return await StartChecksAsync(builder, []);
    }

    /// <summary>Every problem found in <paramref name="json"/>; empty when it is valid EdgeKit configuration.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string json)
    {
        var errors = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("EdgeKit", out _))
            {
                return ["the block is not a configuration file with an EdgeKit section (fence an HTTP answer as ```json response)"];
            }

            // Keys EdgeKit does not read are reported by EdgeKit's own strict binding, below, with their full paths.
        }
        catch (JsonException ex)
        {
            return [$"not valid JSON: {ex.Message}"];
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        var configuration = builder.Configuration;
        var section = configuration.GetSection("EdgeKit");
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        var edge = builder.Services.AddEdgeKit().AddGateway(section);
        var authentication = builder.Services.AddAuthentication();
        // Routes name the app's authorization and CORS policies; the app defines those in code, which a JSON block cannot
        // show: the default authorization policy, and an allow-any-origin CORS policy per name the routes give.
        builder.Services.AddAuthorization();
        var corsPolicies = section.GetSection("Routes").GetChildren().Select(r => r["CorsPolicy"]).OfType<string>()
            .Where(n => !n.Equals("disable", StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
        if (corsPolicies.Count > 0)
        {
            builder.Services.AddCors(o =>
            {
                foreach (var name in corsPolicies)
                {
                    if (name.Equals("default", StringComparison.OrdinalIgnoreCase))
                    {
                        o.AddDefaultPolicy(p => p.AllowAnyOrigin());
                    }
                    else
                    {
                        o.AddPolicy(name, p => p.AllowAnyOrigin());
                    }
                }
            });
        }

        if (section.GetSection("Authentication:Jwt").Exists())
        {
            authentication.AddEdgeKitJwt(section.GetSection("Authentication:Jwt"));
        }

        if (section.GetSection("Authentication:ApiKeys").Exists())
        {
            authentication.AddEdgeKitApiKeys(section.GetSection("Authentication:ApiKeys"));
        }

        if (section.GetSection("Authentication:Hmac").Exists())
        {
            authentication.AddEdgeKitHmac(section.GetSection("Authentication:Hmac"));
        }

        if (section.GetSection("Authorization").Exists())
        {
            edge.AddAuthorizationPolicies(section.GetSection("Authorization"));
        }

        foreach (var forwarding in section.GetSection("IdentityForwarding").GetChildren())
        {
            edge.AddIdentityForwarding(forwarding.Key, forwarding);
        }

        if (configuration.GetSection("Services").Exists())
        {
            builder.Services.AddServiceDiscovery();
            edge.AddServiceDiscovery();
        }

        return await StartChecksAsync(builder, errors);
    }

    /// <summary>Builds the app and runs what its start would validate, adding every problem to <paramref name="errors"/>.</summary>
    private static async Task<IReadOnlyList<string>> StartChecksAsync(WebApplicationBuilder builder, List<string> errors)
    {
        await using var app = builder.Build();
        try
        {
            app.MapEdgeKit();
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            _ = app.Services.GetService<IAuthorizationPolicyProvider>();   // builds EdgeKit's policies when they are registered
            // EdgeKit's own start checks (by their names); not the probers or resolvers, which would send requests.
            foreach (var check in app.Services.GetServices<IHostedService>().Where(s => s.GetType().Name.EndsWith("StartupCheck", StringComparison.Ordinal) || s.GetType().Name.EndsWith("StartupValidator", StringComparison.Ordinal)))
            {
                await check.StartAsync(CancellationToken.None);
            }
        }
        catch (EdgeKitConfigurationException ex)
        {
            errors.AddRange(ex.Errors);
        }
        catch (OptionsValidationException ex)
        {
            errors.AddRange(ex.Failures);
        }
        catch (AggregateException ex)
        {
            errors.AddRange(ex.Flatten().InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : [e.Message]));
        }

        return errors;
    }
}
