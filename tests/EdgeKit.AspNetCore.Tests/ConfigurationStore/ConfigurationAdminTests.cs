using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using EdgeKit.AspNetCore.ConfigurationStore;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.ConfigurationStore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.ConfigurationStore;

/// <summary>
/// One gateway on Kestrel with an in-memory configuration store and the admin API: what the API answers, what the
/// gateway then serves, and that a document that does not validate is never stored.
/// </summary>
public sealed class ConfigurationAdminTests : IAsyncLifetime
{
    private const string Admin = "/edgekit/admin/configuration";
    private readonly InMemoryConfigurationStore _store = new();
    private EchoBackend _orders = null!;
    private EchoBackend _catalog = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _orders = await EchoBackend.StartAsync("orders");
        _catalog = await EchoBackend.StartAsync("catalog");
        _gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Clusters:orders:Destinations:o1:Address"] = _orders.Address,
                ["Routes:orders:Match:Path"] = "/orders/{**rest}",
                ["Routes:orders:Cluster"] = "orders",
                ["Routes:orders:Order"] = "1",
            },
            builder =>
            {
                builder.Services.AddAuthentication("test").AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("test", null);
                builder.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireRole("ops")));
                builder.Services.AddEdgeKit().AddConfigurationStore(builder.Configuration, _store);
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapEdgeKitAdmin("ops");
                app.MapEdgeKitStatus("ops");
            });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _orders.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    private string CatalogDocument(string path = "/catalog/{**rest}") => $$"""
        {
          "Clusters": { "catalog": { "Destinations": { "c1": { "Address": "{{_catalog.Address}}" } } } },
          "Routes": { "catalog": { "Match": { "Path": "{{path}}" }, "Cluster": "catalog", "Timeout": "00:00:10" } }
        }
        """;

    [Fact]
    public async Task Before_any_write_the_API_shows_the_files_shared_sections_as_version_0_and_the_status_says_file()
    {
        using var response = await SendAsync(HttpMethod.Get, Admin);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.ETag!.Tag.Should().Be("\"0\"");
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        document["Routes"]!["orders"]!["Match"]!["Path"]!.GetValue<string>().Should().Be("/orders/{**rest}");
        document["Routes"]!["orders"]!["Order"]!.GetValue<string>().Should().Be("1");
        document["Clusters"]!["orders"]!["Destinations"]!["o1"]!["Address"]!.GetValue<string>().Should().Be(_orders.Address);
        var status = await StatusAsync();
        status["source"]!.GetValue<string>().Should().Be("file");
        status["appliedVersion"].Should().BeNull();
        status["lastApplyError"].Should().BeNull();
    }

    [Fact]
    public async Task A_PUT_with_If_Match_is_stored_applied_and_replaces_the_files_shared_sections_entirely()
    {
        (await _gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);

        using var put = await SendAsync(HttpMethod.Put, Admin, CatalogDocument(), ifMatch: "\"0\"");

        put.StatusCode.Should().Be(HttpStatusCode.OK);
        put.Headers.ETag!.Tag.Should().Be("\"1\"");
        var written = JsonNode.Parse(await put.Content.ReadAsStringAsync())!;
        written["version"]!.GetValue<long>().Should().Be(1);
        written["changedBy"]!.GetValue<string>().Should().Be("tester");
        written["change"]!.GetValue<string>().Should().Be("PUT");
        await ApplyAsync();
        (await BackendOf("/catalog/items")).Should().Be("catalog");
        // The document replaces the shared sections: the file's route is gone.
        (await _gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var status = await StatusAsync();
        status["source"]!.GetValue<string>().Should().Be("store");
        status["appliedVersion"]!.GetValue<long>().Should().Be(1);
        using var get = await SendAsync(HttpMethod.Get, Admin);
        get.Headers.ETag!.Tag.Should().Be("\"1\"");
        JsonNode.Parse(await get.Content.ReadAsStringAsync())!["Routes"]!["catalog"]!["Timeout"]!.GetValue<string>().Should().Be("00:00:10");
    }

    [Fact]
    public async Task While_a_document_is_applied_a_file_reload_changes_the_instances_own_sections_but_not_the_shared_ones()
    {
        (await SendAsync(HttpMethod.Put, Admin, CatalogDocument(), ifMatch: "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await ApplyAsync();

        _gateway.Reload(new Dictionary<string, string?>
        {
            ["Clusters:orders:Destinations:o1:Address"] = _orders.Address,
            ["Routes:extra:Match:Path"] = "/extra/{**rest}",
            ["Routes:extra:Cluster"] = "orders",
            ["Status:ShowAddresses"] = "false",
        });

        (await _gateway.Client.GetAsync("/extra/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await BackendOf("/catalog/1")).Should().Be("catalog");
        using var status = await SendAsync(HttpMethod.Get, "/edgekit/status");
        var cluster = JsonNode.Parse(await status.Content.ReadAsStringAsync())!["clusters"]!.AsArray().Single()!;
        cluster["name"]!.GetValue<string>().Should().Be("catalog");
        cluster["destinations"]![0]!["address"].Should().BeNull("Status is the instance's own section: the file's change applies");
    }

    [Fact]
    public async Task A_change_without_If_Match_is_428_and_one_based_on_an_old_version_is_412_with_the_current_ETag()
    {
        using var missing = await SendAsync(HttpMethod.Put, Admin, CatalogDocument());
        await ShouldBeProblem(missing, HttpStatusCode.PreconditionRequired, "urn:edgekit:problem:precondition-required");

        (await SendAsync(HttpMethod.Put, Admin, CatalogDocument(), ifMatch: "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        using var stale = await SendAsync(HttpMethod.Put, Admin, CatalogDocument("/stale/{**rest}"), ifMatch: "\"0\"");

        var problem = await ShouldBeProblem(stale, HttpStatusCode.PreconditionFailed, "urn:edgekit:problem:precondition-failed");
        problem["detail"]!.GetValue<string>().Should().Be("The change was based on version 0 but the current version is 1; read it again (GET), reapply the change and send it with If-Match: \"1\".");
        stale.Headers.ETag!.Tag.Should().Be("\"1\"");
        (await _store.GetCurrentAsync())!.Version.Should().Be(1);

        using var malformed = await SendAsync(HttpMethod.Put, Admin, CatalogDocument(), ifMatch: "\"v1\"");
        await ShouldBeProblem(malformed, HttpStatusCode.BadRequest, "urn:edgekit:problem:bad-request");
    }

    [Fact]
    public async Task Two_concurrent_writers_from_the_same_version_exactly_one_wins_and_the_other_gets_412()
    {
        var first = SendAsync(HttpMethod.Put, Admin, CatalogDocument("/a/{**rest}"), ifMatch: "\"0\"");
        var second = SendAsync(HttpMethod.Put, Admin, CatalogDocument("/b/{**rest}"), ifMatch: "\"0\"");
        var statuses = (await Task.WhenAll(first, second)).Select(r => r.StatusCode).ToArray();

        statuses.Should().BeEquivalentTo([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed]);
        (await _store.GetHistoryAsync(10)).Should().ContainSingle();
    }

    [Fact]
    public async Task An_invalid_document_is_refused_with_every_problem_and_its_path_and_nothing_is_stored_or_applied()
    {
        string document = $$"""
            {
              "Clusters": { "catalog": { "Destinations": { "c1": { "Address": "{{_catalog.Address}}" } } } },
              "Routes": {
                "catalog": { "Match": { "Path": "/catalog/{**rest}" }, "Cluster": "catalog", "AuthorisationPolicy": "default", "Timeout": "10s" }
              },
              "Authentication": { "ApiKeys": { } }
            }
            """;

        foreach (var (method, path, ifMatch) in new[] { (HttpMethod.Put, Admin, "\"0\""), (HttpMethod.Post, Admin + "/validate", (string?)null) })
        {
            using var response = await SendAsync(method, path, document, ifMatch);

            var problem = await ShouldBeProblem(response, HttpStatusCode.BadRequest, "urn:edgekit:problem:invalid-configuration");
            problem["title"]!.GetValue<string>().Should().Be("The configuration is not valid");
            problem["detail"]!.GetValue<string>().Should().Be("1 problem; nothing was stored.");
            var error = problem["errors"]!.AsArray().Single()!;
            error["path"]!.GetValue<string>().Should().Be("EdgeKit:Authentication");
            error["message"]!.GetValue<string>().Should().Be("`EdgeKit:Authentication` is not part of the shared document; it holds Routes, Clusters, RateLimiting, Caching, Aggregates, IdentityForwarding, SessionAffinity, Forwarder (the other sections stay in each instance's own configuration).");
        }

        // Without the section that is not shared, the strict checks of the routes report both of their problems at once.
        string routes = document.Replace("\"Authentication\": { \"ApiKeys\": { } }", "\"Forwarder\": { }");
        using var strict = await SendAsync(HttpMethod.Post, Admin + "/validate", routes);
        var strictProblem = await ShouldBeProblem(strict, HttpStatusCode.BadRequest, "urn:edgekit:problem:invalid-configuration");
        strictProblem["errors"]!.AsArray().Select(e => (e!["path"]!.GetValue<string>(), e["message"]!.GetValue<string>())).Should().BeEquivalentTo(new[]
        {
            ("EdgeKit:Routes:catalog:AuthorisationPolicy", "`EdgeKit:Routes:catalog:AuthorisationPolicy` is not a setting; did you mean `AuthorizationPolicy`?"),
            ("EdgeKit:Routes:catalog:Timeout", "`EdgeKit:Routes:catalog:Timeout`: '10s' is not a time span; write it as `00:00:10`."),
        });

        (await _store.GetCurrentAsync()).Should().BeNull();
        (await _gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _gateway.Client.GetAsync("/catalog/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_document_naming_what_the_instance_does_not_have_is_refused_by_the_gateways_own_checks()
    {
        string document = $$"""
            { "Routes": { "catalog": { "Match": { "Path": "/catalog/{**rest}" }, "Cluster": "nowhere", "AuthorizationPolicy": "admins" } } }
            """;

        using var response = await SendAsync(HttpMethod.Post, Admin + "/validate", document);

        var problem = await ShouldBeProblem(response, HttpStatusCode.BadRequest, "urn:edgekit:problem:invalid-configuration");
        var messages = problem["errors"]!.AsArray().Select(e => e!["message"]!.GetValue<string>()).ToArray();
        messages.Should().HaveCount(2);
        messages.Should().Contain(m => m.Contains("nowhere", StringComparison.Ordinal));
        messages.Should().Contain(m => m.Contains("admins", StringComparison.Ordinal));
        problem["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).Should().OnlyContain(p => p.StartsWith("EdgeKit:Routes:catalog", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_valid_document_validates_without_being_stored()
    {
        using var response = await SendAsync(HttpMethod.Post, Admin + "/validate", CatalogDocument());

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["valid"]!.GetValue<bool>().Should().BeTrue();
        (await _store.GetCurrentAsync()).Should().BeNull();
    }

    [Fact]
    public async Task Secrets_are_refused_in_a_document_and_never_returned_when_the_store_holds_one()
    {
        string withSecret = CatalogDocument().Replace("\"Routes\":", "\"SessionAffinity\": { \"catalog\": { \"Keys\": [ \"c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1sb25nLS0tLS0=\" ] } },\n  \"Routes\":");

        using var refused = await SendAsync(HttpMethod.Put, Admin, withSecret, ifMatch: "\"0\"");

        var problem = await ShouldBeProblem(refused, HttpStatusCode.BadRequest, "urn:edgekit:problem:invalid-configuration");
        problem["errors"]!.AsArray().Select(e => e!["message"]!.GetValue<string>()).Should().Equal(
            "`EdgeKit:SessionAffinity:catalog:Keys` is a secret: the shared document never holds secrets (it is read through the admin API and by everyone with access to the store); keep it out of the document.");

        // Written by other means than the admin API: read back without the secret.
        await _store.TryWriteAsync(0, withSecret, "script", "direct");
        using var get = await SendAsync(HttpMethod.Get, Admin);
        string body = await get.Content.ReadAsStringAsync();
        body.Should().NotContain("c2VjcmV0");
        JsonNode.Parse(body)!["SessionAffinity"]!["catalog"]!.AsObject().Should().BeEmpty();
        using var version = await SendAsync(HttpMethod.Get, Admin + "/versions/1");
        (await version.Content.ReadAsStringAsync()).Should().NotContain("c2VjcmV0");
    }

    [Fact]
    public async Task PATCH_replaces_one_route_and_an_unknown_collection_is_a_404_problem()
    {
        (await SendAsync(HttpMethod.Put, Admin, CatalogDocument(), ifMatch: "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);

        using var patch = await SendAsync(HttpMethod.Patch, Admin + "/routes/catalog", """{ "Match": { "Path": "/products/{**rest}" }, "Cluster": "catalog" }""", ifMatch: "\"1\"");

        patch.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonNode.Parse(await patch.Content.ReadAsStringAsync())!["change"]!.GetValue<string>().Should().Be("PATCH Routes:catalog");
        await ApplyAsync();
        (await BackendOf("/products/1")).Should().Be("catalog");
        (await _gateway.Client.GetAsync("/catalog/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        using var unknown = await SendAsync(HttpMethod.Patch, Admin + "/listeners/main", "{}", ifMatch: "\"2\"");
        var problem = await ShouldBeProblem(unknown, HttpStatusCode.NotFound, "urn:edgekit:problem:not-found");
        problem["detail"]!.GetValue<string>().Should().Be("'listeners/main' is not an entry of the shared document; patch one of Routes/{name}, Clusters/{name}, Aggregates/{name}, IdentityForwarding/{name}, SessionAffinity/{name}, RateLimiting/Policies/{name}, Caching/Policies/{name}.");

        using var stale = await SendAsync(HttpMethod.Patch, Admin + "/routes/catalog", "null", ifMatch: "\"1\"");
        await ShouldBeProblem(stale, HttpStatusCode.PreconditionFailed, "urn:edgekit:problem:precondition-failed");
    }

    [Fact]
    public async Task Versions_list_who_changed_what_and_rollback_restores_the_exact_previous_routing()
    {
        (await SendAsync(HttpMethod.Put, Admin, CatalogDocument(), ifMatch: "\"0\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await SendAsync(HttpMethod.Put, Admin, CatalogDocument("/shop/{**rest}"), ifMatch: "\"1\"")).StatusCode.Should().Be(HttpStatusCode.OK);
        await ApplyAsync();
        (await _gateway.Client.GetAsync("/catalog/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        using var rollback = await SendAsync(HttpMethod.Post, Admin + "/rollback/1", null, ifMatch: "\"2\"");

        rollback.StatusCode.Should().Be(HttpStatusCode.OK);
        rollback.Headers.ETag!.Tag.Should().Be("\"3\"");
        await ApplyAsync();
        (await BackendOf("/catalog/1")).Should().Be("catalog");
        (await _gateway.Client.GetAsync("/shop/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _store.GetCurrentAsync())!.Document.Should().Be((await _store.GetVersionAsync(1))!.Document);

        using var list = await SendAsync(HttpMethod.Get, Admin + "/versions");
        var versions = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["versions"]!.AsArray();
        versions.Select(v => (v!["version"]!.GetValue<long>(), v["changedBy"]!.GetValue<string>(), v["change"]!.GetValue<string>()))
            .Should().Equal((3L, "tester", "rollback to version 1"), (2L, "tester", "PUT"), (1L, "tester", "PUT"));

        using var missing = await SendAsync(HttpMethod.Post, Admin + "/rollback/9", null, ifMatch: "\"3\"");
        await ShouldBeProblem(missing, HttpStatusCode.NotFound, "urn:edgekit:problem:not-found");
    }

    [Fact]
    public async Task A_version_this_instance_cannot_apply_is_reported_and_the_configuration_in_force_stays()
    {
        // Written by a gateway that has an "admins" policy; this one has not.
        string document = $$"""
            { "Clusters": { "catalog": { "Destinations": { "c1": { "Address": "{{_catalog.Address}}" } } } },
              "Routes": { "catalog": { "Match": { "Path": "/catalog/{**rest}" }, "Cluster": "catalog", "AuthorizationPolicy": "admins" } } }
            """;
        await _store.TryWriteAsync(0, document, "other", "PUT");

        await ApplyAsync();

        var status = await StatusAsync();
        status["source"]!.GetValue<string>().Should().Be("file");
        status["appliedVersion"].Should().BeNull();
        status["lastApplyError"]!["version"]!.GetValue<long>().Should().Be(1);
        status["lastApplyError"]!["errors"]!.AsArray().Should().ContainSingle().Which!.GetValue<string>().Should().Contain("admins");
        (await _gateway.Client.GetAsync("/orders/1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _gateway.Client.GetAsync("/catalog/1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_requests_are_problems_and_the_API_needs_its_policy()
    {
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, Admin);
        (await _gateway.Client.SendAsync(anonymous)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var developer = new HttpRequestMessage(HttpMethod.Get, Admin);
        developer.Headers.Add("X-Test-Roles", "dev");
        (await _gateway.Client.SendAsync(developer)).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var form = await SendAsync(HttpMethod.Post, Admin + "/validate", "a=b", contentType: "application/x-www-form-urlencoded");
        (await ShouldBeProblem(form, HttpStatusCode.UnsupportedMediaType, "urn:edgekit:problem:unsupported-media-type"))["detail"]!.GetValue<string>()
            .Should().Be("The body must be JSON (Content-Type: application/json), not 'application/x-www-form-urlencoded'.");

        using var notJson = await SendAsync(HttpMethod.Post, Admin + "/validate", "{ \"Routes\": ");
        var problem = await ShouldBeProblem(notJson, HttpStatusCode.BadRequest, "urn:edgekit:problem:invalid-configuration");
        problem["errors"]![0]!["path"]!.GetValue<string>().Should().Be("EdgeKit");
        problem["errors"]![0]!["message"]!.GetValue<string>().Should().StartWith("`EdgeKit`: the document is not valid JSON: ");

        using var array = await SendAsync(HttpMethod.Post, Admin + "/validate", "[]");
        (await ShouldBeProblem(array, HttpStatusCode.BadRequest, "urn:edgekit:problem:invalid-configuration"))["errors"]![0]!["message"]!.GetValue<string>()
            .Should().Be("`EdgeKit`: the document must be a JSON object holding Routes, Clusters, RateLimiting, Caching, Aggregates, IdentityForwarding, SessionAffinity, Forwarder.");

        using var huge = await SendAsync(HttpMethod.Post, Admin + "/validate", "{\"Routes\":{}," + new string(' ', 1024 * 1024) + "}");
        await ShouldBeProblem(huge, HttpStatusCode.RequestEntityTooLarge, "urn:edgekit:problem:request-body-too-large");

        using var badCount = await SendAsync(HttpMethod.Get, Admin + "/versions?count=0");
        await ShouldBeProblem(badCount, HttpStatusCode.BadRequest, "urn:edgekit:problem:bad-request");
    }

    private async Task ApplyAsync() =>
        await _gateway.Services.GetRequiredService<SharedConfigurationApplier>().CheckAsync(CancellationToken.None);

    private async Task<string> BackendOf(string path)
    {
        using var response = await _gateway.Client.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["backend"]!.GetValue<string>();
    }

    private async Task<JsonNode> StatusAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/edgekit/status");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["configuration"]!;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? ifMatch = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Test-Roles", "ops");
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return await _gateway.Client.SendAsync(request);
    }

    private static async Task<JsonNode> ShouldBeProblem(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        problem["type"]!.GetValue<string>().Should().Be(type);
        problem["status"]!.GetValue<int>().Should().Be((int)status);
        return problem;
    }

    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue("X-Test-Roles", out var roles))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity(roles.ToString().Split(',').Select(r => new Claim(ClaimTypes.Role, r)).Append(new Claim(ClaimTypes.Name, "tester")), "test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "test")));
        }
    }
}
