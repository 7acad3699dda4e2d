using System.Net;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.Gateway;

/// <summary>
/// The mistakes that used to be silent (issue 13): each one now stops the start naming its full path, and after a valid
/// start a reload carrying one changes nothing and is logged once.
/// </summary>
public sealed class StrictConfigurationTests
{
    private const string Backend = "http://127.0.0.1:9";

    private static Dictionary<string, string?> Orders(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Clusters:orders:Destinations:o1:Address"] = Backend,
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Starts a gateway that must fail to start; returns every problem reported.</summary>
    internal static async Task<IReadOnlyList<string>> StartFails(
        IDictionary<string, string?> settings,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? configureApp = null)
    {
        try
        {
            await using var host = await GatewayHost.StartAsync(settings, configureBuilder, configureApp);
        }
        catch (EdgeKitConfigurationException ex)
        {
            return ex.Errors;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.ToList();
        }
        catch (AggregateException ex)
        {
            return ex.Flatten().InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : e is EdgeKitConfigurationException c ? c.Errors : [e.Message]).ToList();
        }

        throw new Xunit.Sdk.XunitException("the gateway started");
    }

    [Fact]
    public async Task A_misspelt_AuthorizationPolicy_fails_the_start_naming_the_key_meant()
    {
        var errors = await StartFails(Orders(("Routes:orders:AuthorisationPolicy", "default")));

        errors.Should().Equal("`EdgeKit:Routes:orders:AuthorisationPolicy` is not a setting; did you mean `AuthorizationPolicy`?");
    }

    [Fact]
    public async Task A_misspelt_RateLimiterPolicy_fails_the_start()
    {
        var errors = await StartFails(Orders(("Routes:orders:RateLimitPolicy", "per-client")));

        errors.Should().Equal("`EdgeKit:Routes:orders:RateLimitPolicy` is not a setting; did you mean `RateLimiterPolicy`?");
    }

    [Fact]
    public async Task A_misspelt_Strategy_fails_the_start()
    {
        var errors = await StartFails(Orders(("Clusters:orders:LoadBalancing:Stratgy", "RoundRobin")));

        errors.Should().Equal("`EdgeKit:Clusters:orders:LoadBalancing:Stratgy` is not a setting; did you mean `Strategy`?");
    }

    [Fact]
    public async Task Route_for_Routes_fails_the_start()
    {
        var errors = await StartFails(new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = Backend,
            ["Route:orders:Match:Path"] = "/orders/{**rest}",
            ["Route:orders:Cluster"] = "orders",
        });

        errors.Should().Equal("`EdgeKit:Route` is not a setting; did you mean `Routes`?");
    }

    [Fact]
    public async Task A_timeout_written_10s_fails_the_start_with_the_form_to_write_instead_of_deleting_the_route()
    {
        var errors = await StartFails(Orders(("Routes:orders:Timeout", "10s")));

        errors.Should().Equal("`EdgeKit:Routes:orders:Timeout`: '10s' is not a time span; write it as `00:00:10`.");
    }

    [Fact]
    public async Task A_header_match_mode_that_is_not_a_mode_fails_the_start_listing_the_modes()
    {
        var errors = await StartFails(Orders(
            ("Routes:orders:Match:Headers:0:Name", "X-Tenant"),
            ("Routes:orders:Match:Headers:0:Values:0", "acme"),
            ("Routes:orders:Match:Headers:0:Mode", "Exactly")));

        errors.Should().Equal("`EdgeKit:Routes:orders:Match:Headers:0:Mode`: 'Exactly' is not one of Exact, Prefix, Contains, Exists, NotExists; did you mean `Exact`?");
    }

    [Fact]
    public async Task A_partition_kind_that_is_not_a_kind_fails_the_start()
    {
        var errors = await StartFails(Orders(
            ("RateLimiting:Policies:per-client:Limits:0:PermitLimit", "10"),
            ("RateLimiting:Policies:per-client:Limits:0:Window", "00:00:10"),
            ("RateLimiting:Policies:per-client:Partition:Kind", "ClientIP4")));

        errors.Should().Equal("`EdgeKit:RateLimiting:Policies:per-client:Partition:Kind`: 'ClientIP4' is not one of ClientIp, ApiKey, User, Claim, Route, Header, Global; did you mean `ClientIp`?");
    }

    [Fact]
    public async Task A_window_written_10s_says_so_rather_than_that_a_limit_is_missing()
    {
        var errors = await StartFails(Orders(
            ("RateLimiting:Policies:per-client:Limits:0:PermitLimit", "10"),
            ("RateLimiting:Policies:per-client:Limits:0:Window", "10s")));

        errors.Should().Equal("`EdgeKit:RateLimiting:Policies:per-client:Limits:0:Window`: '10s' is not a time span; write it as `00:00:10`.");
    }

    [Fact]
    public async Task Every_problem_of_one_configuration_is_reported_at_once()
    {
        var errors = await StartFails(Orders(
            ("Routes:orders:AuthorisationPolicy", "default"),
            ("Routes:orders:Timeout", "10s"),
            ("Clusters:orders:Destinations:o1:Weight", "heavy"),
            ("Caching:Policies:short:MaximumEntrySize", "1MB"),
            ("Limits:x", "1")));

        errors.Should().BeEquivalentTo(
            "`EdgeKit:Routes:orders:AuthorisationPolicy` is not a setting; did you mean `AuthorizationPolicy`?",
            "`EdgeKit:Routes:orders:Timeout`: '10s' is not a time span; write it as `00:00:10`.",
            "`EdgeKit:Clusters:orders:Destinations:o1:Weight`: 'heavy' is not a whole number.",
            "`EdgeKit:Caching:Policies:short:MaximumEntrySize`: '1MB' is not a whole number (digits only, without units or separators).",
            "`EdgeKit:Limits` is not a setting; the settings here are Clusters, Routes, Forwarder, SessionAffinity, ForwardedHeaders, IdentityForwarding, Status, ReloadThreadReserve, Aggregates, Caching, RateLimiting.");
    }

    [Fact]
    public async Task A_reload_with_a_mistake_changes_nothing_and_logs_each_problem_once_then_a_valid_one_applies()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        var valid = new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
        };
        await using var gateway = await GatewayHost.StartAsync(valid);
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);

        // A typo that would drop the route (Timeout) and one that would add an unknown key: neither applies.
        var bad = new Dictionary<string, string?>(valid)
        {
            ["Routes:orders:Timeout"] = "10s",
            ["Routes:orders:Match:Path"] = "/moved/{**rest}",
            ["Routes:orders:AuthorisationPolicy"] = "default",
        };
        gateway.Reload(bad);

        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK, "the routes in force stay");
        (await gateway.Client.GetAsync("/moved/1")).StatusCode.Should().Be(HttpStatusCode.NotFound, "nothing of the bad reload applies");
        var rejected = gateway.Logs.Entries.Where(e => e.EventId == 1007).Select(e => e.Message).ToList();
        rejected.Should().BeEquivalentTo(
            "EdgeKit configuration reload rejected; the previous configuration stays in force. `EdgeKit:Routes:orders:Timeout`: '10s' is not a time span; write it as `00:00:10`.",
            "EdgeKit configuration reload rejected; the previous configuration stays in force. `EdgeKit:Routes:orders:AuthorisationPolicy` is not a setting; did you mean `AuthorizationPolicy`?");

        var fixedUp = new Dictionary<string, string?>(valid) { ["Routes:orders:Match:Path"] = "/moved/{**rest}" };
        gateway.Reload(fixedUp);

        (await gateway.Client.GetAsync("/moved/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_rate_limiting_section_bound_by_AddGateway_and_AddRateLimiting_registers_each_policy_once()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:o1:Address"] = backend.Address,
                ["Routes:orders:Match:Path"] = "/orders/{**rest}",
                ["Routes:orders:Cluster"] = "orders",
                ["Routes:orders:RateLimiterPolicy"] = "per-client",
                ["RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "2",
                ["RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
                ["Aggregates:details:Legs:0:Name"] = "product",
                ["Aggregates:details:Legs:0:Cluster"] = "orders",
                ["Aggregates:details:Legs:0:Path"] = "/products/1",
                ["Routes:details:Match:Path"] = "/details",
                ["Routes:details:Aggregate"] = "details",
            },
            builder => builder.Services.AddEdgeKit()
                .AddRateLimiting(builder.Configuration.GetSection("EdgeKit:RateLimiting"))
                .AddAggregates(builder.Configuration.GetSection("EdgeKit"))
                .AddCaching(builder.Configuration.GetSection("EdgeKit:Caching")),
            app => app.UseRateLimiter());

        var first = await gateway.Client.GetAsync("/orders/1");
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        first.Headers.GetValues("RateLimit-Policy").Should().Equal("\"per-client\";q=2;w=60");
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var details = await gateway.Client.GetAsync("/details");
        details.StatusCode.Should().Be(HttpStatusCode.OK, "the aggregate's legs are bound once (no 'two legs are named product')");
        backend.Received.Select(r => (string?)r["path"]).Should().Contain("/products/1");
    }

    [Fact]
    public async Task A_route_given_in_code_is_held_to_the_same_rules()
    {
        var errors = await StartFails(
            new Dictionary<string, string?> { ["Clusters:orders:Destinations:o1:Address"] = Backend },
            b => b.Services.AddEdgeKit().AddRoute("orders", "/orders/{**rest}", "orders", r =>
            {
                r.RateLimiterPolicy = "per-clent";
                r.AuthorizationPolicy = "admins";
            }),
            app => app.UseRateLimiter());

        errors.Should().Equal(
            "EdgeKit:Routes:orders: AuthorizationPolicy 'admins' needs ASP.NET Core authorization; call builder.Services.AddAuthorization().",
            "EdgeKit:Routes:orders: RateLimiterPolicy 'per-clent' does not exist (EdgeKit defines none; the app's own AddRateLimiter policies are looked up by name, ASP.NET Core does not list them); define it under EdgeKit:RateLimiting:Policies or with builder.Services.AddRateLimiter(o => o.AddPolicy(...)).");
    }
}

/// <summary>Names routes give to the app's policies resolve at start, and the middleware they need is there.</summary>
public sealed class GatewayPolicyReferenceTests
{
    private static Dictionary<string, string?> Orders(string backend, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Clusters:orders:Destinations:o1:Address"] = backend,
            ["Routes:orders:Match:Path"] = "/orders/{**rest}",
            ["Routes:orders:Cluster"] = "orders",
            ["RateLimiting:Policies:per-client:Limits:0:PermitLimit"] = "1",
            ["RateLimiting:Policies:per-client:Limits:0:Window"] = "00:01:00",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task A_misspelt_rate_limiter_policy_name_fails_the_start_listing_the_known_ones()
    {
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9", ("Routes:orders:RateLimiterPolicy", "per-clent")),
            b => b.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("app-fixed", f => { f.PermitLimit = 1; f.Window = TimeSpan.FromMinutes(1); })),
            app => app.UseRateLimiter());

        errors.Should().Equal("EdgeKit:Routes:orders: RateLimiterPolicy 'per-clent' does not exist (EdgeKit's policies: per-client (did you mean 'per-client'?); the app's own AddRateLimiter policies are looked up by name, ASP.NET Core does not list them); define it under EdgeKit:RateLimiting:Policies or with builder.Services.AddRateLimiter(o => o.AddPolicy(...)).");
    }

    [Fact]
    public async Task An_apps_own_rate_limiter_policy_is_found_by_name_through_ASP_NETs_public_API_and_a_name_it_lacks_is_refused()
    {
        // RateLimiterPolicyNames asks a fresh copy of the app's RateLimiterOptions (AddPolicy refuses a name it has).
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9", ("Routes:orders:RateLimiterPolicy", "app-fixed"), ("Routes:other:Match:Path", "/other"), ("Routes:other:Cluster", "orders"), ("Routes:other:RateLimiterPolicy", "app-fixd")),
            b => b.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("app-fixed", f => { f.PermitLimit = 1; f.Window = TimeSpan.FromMinutes(1); })),
            app => app.UseRateLimiter());

        errors.Should().Equal("EdgeKit:Routes:other: RateLimiterPolicy 'app-fixd' does not exist (EdgeKit's policies: per-client; the app's own AddRateLimiter policies are looked up by name, ASP.NET Core does not list them); define it under EdgeKit:RateLimiting:Policies or with builder.Services.AddRateLimiter(o => o.AddPolicy(...)).");
    }

    [Fact]
    public async Task A_route_may_name_the_apps_own_rate_limiter_policy()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        await using var gateway = await GatewayHost.StartAsync(
            Orders(backend.Address, ("Routes:orders:RateLimiterPolicy", "app-fixed")),
            b => b.Services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = 429;
                o.AddFixedWindowLimiter("app-fixed", f => { f.PermitLimit = 1; f.Window = TimeSpan.FromMinutes(1); });
            }),
            app => app.UseRateLimiter());

        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_route_naming_the_apps_own_policy_without_UseRateLimiter_fails_the_start_saying_which_call_to_add()
    {
        // EdgeKit's own policies need no middleware (GatewayRouteRateLimitTests); the app's AddRateLimiter policies do.
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9", ("Routes:orders:RateLimiterPolicy", "app-fixed"), ("Routes:other:Match:Path", "/other"), ("Routes:other:Cluster", "orders"), ("Routes:other:RateLimiterPolicy", "per-client")),
            b => b.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("app-fixed", f => { f.PermitLimit = 1; f.Window = TimeSpan.FromMinutes(1); })));

        errors.Should().Equal("EdgeKit:Routes:orders: RateLimiterPolicy 'app-fixed' needs the rate-limiting middleware, which is not in the app's pipeline; add app.UseRateLimiter() (after app.UseRouting(), if the app calls it).");
    }

    [Fact]
    public async Task A_misspelt_authorization_policy_name_fails_the_start()
    {
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9", ("Routes:orders:AuthorizationPolicy", "admins")),
            b =>
            {
                b.Services.AddAuthentication().AddEdgeKitApiKeys();
                b.Services.AddAuthorization(o => o.AddPolicy("admin", p => p.RequireRole("admin")));
            });

        errors.Should().Equal("EdgeKit:Routes:orders: AuthorizationPolicy 'admins' does not exist; define it under EdgeKit:Authorization:Policies or with builder.Services.AddAuthorization(o => o.AddPolicy(\"admins\", ...)), or use 'default' or 'anonymous'.");
    }

    [Fact]
    public async Task An_authorization_policy_without_authorization_services_fails_the_start_saying_which_call_to_add()
    {
        var errors = await StrictConfigurationTests.StartFails(Orders("http://127.0.0.1:9", ("Routes:orders:AuthorizationPolicy", "default")));

        errors.Should().Equal("EdgeKit:Routes:orders: AuthorizationPolicy 'default' needs ASP.NET Core authorization; call builder.Services.AddAuthorization().");
    }

    [Fact]
    public async Task A_misspelt_cors_policy_fails_the_start()
    {
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9", ("Routes:orders:CorsPolicy", "web-app")),
            b => b.Services.AddCors(o => o.AddPolicy("webapp", p => p.AllowAnyOrigin())),
            app => app.UseCors());

        errors.Should().Equal("EdgeKit:Routes:orders: CorsPolicy 'web-app' does not exist; define it with builder.Services.AddCors(o => o.AddPolicy(\"web-app\", ...)).");
    }

    [Fact]
    public async Task A_cors_route_without_UseCors_fails_the_start_saying_which_call_to_add()
    {
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9", ("Routes:orders:CorsPolicy", "web-app")),
            b => b.Services.AddCors(o => o.AddPolicy("web-app", p => p.WithOrigins("https://shop.example"))));

        errors.Should().Equal("EdgeKit:Routes:orders: CorsPolicy 'web-app' needs the CORS middleware, which is not in the app's pipeline; add app.UseCors() (after app.UseRouting(), if the app calls it).");
    }

    [Fact]
    public async Task A_cors_route_with_UseCors_answers_with_its_policys_headers()
    {
        await using var backend = await EchoBackend.StartAsync("orders");
        await using var gateway = await GatewayHost.StartAsync(
            Orders(backend.Address, ("Routes:orders:CorsPolicy", "web-app")),
            b => b.Services.AddCors(o => o.AddPolicy("web-app", p => p.WithOrigins("https://shop.example"))),
            app => app.UseCors());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/1");
        request.Headers.Add("Origin", "https://shop.example");
        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://shop.example");
    }

    [Fact]
    public void The_cors_probe_replaces_aspnets_cors_service_whichever_comes_first_but_never_the_apps_own()
    {
        static Type? CorsService(Action<IServiceCollection> register)
        {
            var services = new ServiceCollection();
            register(services);
            return services.Last(d => d.ServiceType == typeof(Microsoft.AspNetCore.Cors.Infrastructure.ICorsService)).ImplementationType;
        }

        var gateway = new ConfigurationBuilder().Build().GetSection("EdgeKit");
        CorsService(s => { s.AddCors(); s.AddEdgeKit().AddGateway(gateway); }).Should().Be(typeof(CorsMiddlewareProbe));
        CorsService(s => { s.AddEdgeKit().AddGateway(gateway); s.AddCors(); }).Should().Be(typeof(CorsMiddlewareProbe));
        CorsService(s =>
        {
            s.AddTransient<Microsoft.AspNetCore.Cors.Infrastructure.ICorsService, OwnCorsService>();
            s.AddEdgeKit().AddGateway(gateway);
        }).Should().Be(typeof(OwnCorsService));
    }

    private sealed class OwnCorsService : Microsoft.AspNetCore.Cors.Infrastructure.ICorsService
    {
        public Microsoft.AspNetCore.Cors.Infrastructure.CorsResult EvaluatePolicy(HttpContext context, Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicy policy) => new();

        public void ApplyResult(Microsoft.AspNetCore.Cors.Infrastructure.CorsResult result, HttpResponse response)
        {
        }
    }

    [Fact]
    public async Task A_dashboard_behind_a_policy_defined_nowhere_fails_the_start()
    {
        var errors = await StrictConfigurationTests.StartFails(
            Orders("http://127.0.0.1:9"),
            b =>
            {
                b.Services.AddAuthentication().AddEdgeKitApiKeys();
                b.Services.AddAuthorization();
            },
            app => app.MapEdgeKitDashboard("ops"));

        errors.Should().Equal("MapEdgeKitDashboard: AuthorizationPolicy 'ops' does not exist; define it under EdgeKit:Authorization:Policies or with builder.Services.AddAuthorization(o => o.AddPolicy(\"ops\", ...)), or use 'default' or 'anonymous'.");
    }

    [Fact]
    public async Task A_status_api_behind_a_policy_without_authorization_services_fails_the_start()
    {
        var errors = await StrictConfigurationTests.StartFails(Orders("http://127.0.0.1:9"), configureApp: app => app.MapEdgeKitStatus("default"));

        errors.Should().Equal("MapEdgeKitStatus: AuthorizationPolicy 'default' needs ASP.NET Core authorization; call builder.Services.AddAuthorization().");
    }
}

/// <summary>An authorization policy about the caller's identity with no authentication: the start says which call to add.</summary>
public sealed class GatewayAuthenticationReferenceTests
{
    [Fact]
    public async Task A_route_policy_requiring_a_user_without_authentication_fails_the_start()
    {
        var errors = await StrictConfigurationTests.StartFails(
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:o1:Address"] = "http://127.0.0.1:9",
                ["Routes:orders:Match:Path"] = "/orders/{**rest}",
                ["Routes:orders:Cluster"] = "orders",
                ["Routes:orders:AuthorizationPolicy"] = "default",
            },
            b => b.Services.AddAuthorization());

        errors.Should().Equal("EdgeKit:Routes:orders: AuthorizationPolicy 'default' needs authentication; call builder.Services.AddAuthentication() and add a scheme (AddEdgeKitJwt, AddEdgeKitApiKeys, AddEdgeKitHmac...).");
    }
}
