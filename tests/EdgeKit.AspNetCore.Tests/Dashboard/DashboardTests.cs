using System.Net;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace EdgeKit.AspNetCore.Tests.Dashboard;

public sealed class DashboardTests
{
    private static Dictionary<string, string?> Settings(EchoBackend a, EchoBackend b) => new()
    {
        ["Clusters:shop:Destinations:alpha:Address"] = a.Address,
        ["Clusters:shop:Destinations:bravo:Address"] = b.Address,
        ["Clusters:shop:LoadBalancing:Strategy"] = "RoundRobin",
        ["Clusters:shop:Health:Active:Enabled"] = "true",
        ["Clusters:shop:Health:Active:Interval"] = "00:00:00.500",
        ["Clusters:shop:Health:Active:Timeout"] = "00:00:00.500",

        // Two failures, not one: a probe of a live backend that times out on a busy machine must not mark it dead
        // (with both marked dead the cluster has no destination, since panic never routes to known-dead ones).
        ["Clusters:shop:Health:Active:UnhealthyThreshold"] = "2",
        ["Clusters:shop:Health:Active:HealthyThreshold"] = "1",
        ["Routes:shop:Match:Path"] = "/shop/{**rest}",
        ["Routes:shop:Cluster"] = "shop",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_page_loads_in_headless_Chromium_and_a_stopped_backend_turns_unhealthy_on_it(bool showAddresses)
    {
        await using var alpha = await EchoBackend.StartAsync("alpha");
        await using var bravo = await EchoBackend.StartAsync("bravo");
        var settings = Settings(alpha, bravo);
        settings["Status:ShowAddresses"] = showAddresses ? "true" : "false";
        await using var gateway = await GatewayHost.StartAsync(settings, configureApp: app => app.MapEdgeKitDashboard("anonymous"));
        for (int i = 0; i < 20; i++)
        {
            (await gateway.Client.GetAsync("/shop/item")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(gateway.Address + "/edgekit/dashboard");

        await browser.WaitForAsync("document.querySelector('#state').dataset.state === 'live'", TimeSpan.FromSeconds(15));
        (await browser.EvaluateAsync("document.title"))!.GetValue<string>().Should().Be("EdgeKit gateway");
        (await browser.EvaluateAsync("document.querySelectorAll('tr[data-destination]').length"))!.GetValue<int>().Should().Be(2);
        (await browser.EvaluateAsync("document.querySelector('tr[data-route=\"shop\"] td:nth-child(2)').textContent"))!.GetValue<string>().Should().Be("/shop/{**rest}");
        await browser.WaitForAsync("document.querySelector('tr[data-destination=\"shop/alpha\"]').dataset.health === 'Healthy'", TimeSpan.FromSeconds(15));
        await browser.WaitForAsync("document.querySelector('tr[data-destination=\"shop/bravo\"]').dataset.health === 'Healthy'", TimeSpan.FromSeconds(15));

        await bravo.StopAsync();

        // The page updates itself (no reload): bravo turns red, alpha stays green.
        await browser.WaitForAsync("document.querySelector('tr[data-destination=\"shop/bravo\"]').dataset.health === 'Unhealthy'", TimeSpan.FromSeconds(20));
        (await browser.EvaluateAsync("getComputedStyle(document.querySelector('tr[data-destination=\"shop/bravo\"] .dot')).backgroundColor"))!
            .GetValue<string>().Should().Be("rgb(207, 34, 46)");
        (await browser.EvaluateAsync("document.querySelector('tr[data-destination=\"shop/alpha\"]').dataset.health"))!.GetValue<string>().Should().Be("Healthy");

        // The last probe of each destination shows on the page: what it saw, and how many in a row.
        await browser.WaitForAsync("document.querySelector('tr[data-destination=\"shop/bravo\"] td.probe').dataset.probe === 'failed'", TimeSpan.FromSeconds(20));
        (await browser.EvaluateAsync("document.querySelector('tr[data-destination=\"shop/bravo\"] td.probe').textContent"))!.GetValue<string>()
            .Should().MatchRegex(@"^failed: HttpRequestException: Connection refused \(127\.0\.0\.1:\d+\) ---> SocketException: Connection refused · \d+ in a row$");
        (await browser.EvaluateAsync("document.querySelector('tr[data-destination=\"shop/alpha\"] td.probe').dataset.probe"))!.GetValue<string>().Should().Be("passed");
        (await browser.EvaluateAsync("document.querySelector('tr[data-destination=\"shop/alpha\"] td.probe').textContent"))!.GetValue<string>()
            .Should().MatchRegex(@"^passed: status 200 · \d+ in a row$");
        (await browser.EvaluateAsync("performance.getEntriesByType('navigation').length"))!.GetValue<int>().Should().Be(1, "the page was never reloaded");
        string feed = await gateway.Client.GetStringAsync("/edgekit/dashboard/status.json");
        feed.Contains(new Uri(alpha.Address).Authority, StringComparison.Ordinal).Should().Be(showAddresses);
    }

    [Fact]
    public async Task Rate_limit_rejections_show_in_the_status_document_and_on_the_page()
    {
        await using var alpha = await EchoBackend.StartAsync("alpha");
        await using var bravo = await EchoBackend.StartAsync("bravo");
        var settings = Settings(alpha, bravo);
        settings["Routes:shop:RateLimiterPolicy"] = "tight";
        settings["RateLimiting:Policies:tight:Partition:Kind"] = "Global";
        settings["RateLimiting:Policies:tight:Limits:0:PermitLimit"] = "2";
        settings["RateLimiting:Policies:tight:Limits:0:Window"] = "01:00:00";
        await using var gateway = await GatewayHost.StartAsync(settings, configureApp: app =>
        {
            app.UseRateLimiter();
            app.MapEdgeKitDashboard("anonymous");
        });
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            statuses.Add((await gateway.Client.GetAsync("/shop/item")).StatusCode);
        }

        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await gateway.Client.GetStringAsync("/edgekit/dashboard/status.json"))!;
        var policy = status["rateLimitPolicies"]!.AsArray().Single()!;
        policy["name"]!.GetValue<string>().Should().Be("tight");
        policy["store"]!.GetValue<string>().Should().Be("local");
        policy["partition"]!.GetValue<string>().Should().Be("Global");
        policy["limits"]![0]!["permitLimit"]!.GetValue<int>().Should().Be(2);
        policy["accepted"]!.GetValue<long>().Should().Be(2);
        policy["rejected"]!.GetValue<long>().Should().Be(3);

        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(gateway.Address + "/edgekit/dashboard/");
        await browser.WaitForAsync("document.querySelector('tr[data-policy=\"tight\"] td.rejected')?.textContent === '3'", TimeSpan.FromSeconds(15));
        (await browser.EvaluateAsync("document.querySelector('tr[data-policy=\"tight\"] td.accepted').textContent"))!.GetValue<string>().Should().Be("2");
    }

    [Fact]
    public async Task Assets_are_served_from_the_package_with_a_strict_content_security_policy_and_the_same_protection()
    {
        await using var alpha = await EchoBackend.StartAsync("alpha");
        await using var bravo = await EchoBackend.StartAsync("bravo");
        await using var gateway = await GatewayHost.StartAsync(Settings(alpha, bravo),
            builder => Microsoft.Extensions.DependencyInjection.PolicyServiceCollectionExtensions.AddAuthorization(builder.Services,
                o => o.AddPolicy("ops", p => p.RequireAssertion(c => false))),
            app =>
            {
                app.UseAuthorization();
                app.MapEdgeKitDashboard("anonymous", "/open/dashboard");
                app.MapEdgeKitDashboard("ops", "/closed/dashboard");
            });

        using var redirect = await gateway.Client.GetAsync("/open/dashboard");
        redirect.StatusCode.Should().Be(HttpStatusCode.Redirect);
        redirect.Headers.Location!.ToString().Should().Be("/open/dashboard/");

        using var page = await gateway.Client.GetAsync("/open/dashboard/");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.ToString().Should().Be("text/html; charset=utf-8");
        page.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'; script-src 'self'");
        string html = await page.Content.ReadAsStringAsync();
        html.Should().NotContain("http://").And.NotContain("https://", "every asset ships in the package");

        foreach (var asset in new[] { "dashboard.js", "dashboard.css", "status.json" })
        {
            (await gateway.Client.GetAsync("/open/dashboard/" + asset)).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/open/dashboard/dashboard.js");
        conditional.Headers.TryAddWithoutValidation("If-None-Match", page.RequestMessage is null ? "" : (await gateway.Client.GetAsync("/open/dashboard/dashboard.js")).Headers.ETag!.Tag);
        (await gateway.Client.SendAsync(conditional)).StatusCode.Should().Be(HttpStatusCode.NotModified);

        (await gateway.Client.GetAsync("/closed/dashboard/")).StatusCode.Should().NotBe(HttpStatusCode.OK);
        (await gateway.Client.GetAsync("/closed/dashboard/status.json")).StatusCode.Should().NotBe(HttpStatusCode.OK);
    }
}
