using System.Net;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Affinity;

public sealed class SessionAffinityTests : IAsyncLifetime
{
    private static readonly string Key1 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string Key2 = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
    private readonly List<EchoBackend> _backends = [];

    public async Task InitializeAsync()
    {
        for (int i = 0; i < 3; i++)
        {
            _backends.Add(await EchoBackend.StartAsync("b" + i));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:c:LoadBalancing:Strategy"] = "RoundRobin",
            ["Routes:r:Match:Path"] = "/{**rest}",
            ["Routes:r:Cluster"] = "c",
        };
        for (int i = 0; i < _backends.Count; i++)
        {
            settings[$"Clusters:c:Destinations:d{i}:Address"] = _backends[i].Address;
        }

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<(string Backend, string? Cookie)> Send(GatewayHost gateway, string? cookie, string name = ".EdgeKit.Affinity")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/x");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{name}={cookie}");
        }

        using var response = await gateway.Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        string? set = response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';')[0]).Where(v => v.StartsWith(name + "=", StringComparison.Ordinal)).Select(v => v[(name.Length + 1)..]).SingleOrDefault()
            : null;
        return (response.Headers.GetValues("X-Backend").Single(), set);
    }

    [Fact]
    public async Task A_signed_cookie_keeps_a_client_on_one_destination_and_any_instance_with_the_keys_honours_it()
    {
        var settings = Settings(("SessionAffinity:c:Keys:0", Key1));
        await using var first = await GatewayHost.StartAsync(settings);
        await using var second = await GatewayHost.StartAsync(settings);

        var (backend, cookie) = await Send(first, null);
        cookie.Should().NotBeNullOrEmpty();
        for (int i = 0; i < 12; i++)
        {
            var gateway = i % 2 == 0 ? first : second;
            var (next, set) = await Send(gateway, cookie);
            next.Should().Be(backend, "round robin would move the client; the cookie must not let it");
            set.Should().BeNull("a client already bound is not sent the cookie again");
        }

        // Without the cookie, round robin spreads requests again.
        var spread = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            spread.Add((await Send(first, null)).Backend);
        }

        spread.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_tampered_or_foreign_value_falls_back_to_balancing_and_rebinds()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key1)));
        var (backend, cookie) = await Send(gateway, null);
        string tampered = cookie![..^2] + (cookie[^2] == 'A' ? "BB" : "AA");
        // The same signature moved onto another destination's id.
        string otherId = backend == "b2" ? "d1" : "d2";
        string otherDestination = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(otherId)).TrimEnd('=') + cookie[cookie.IndexOf('.', StringComparison.Ordinal)..];

        foreach (var bad in new[] { tampered, otherDestination, "garbage", "." + cookie, new string('x', 5000) })
        {
            var (_, set) = await Send(gateway, bad);
            set.Should().NotBeNullOrEmpty($"'{bad[..Math.Min(20, bad.Length)]}...' is not genuine, so the client is bound anew");
        }

        // A value signed with a key this gateway does not have is ignored too.
        await using var other = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key2)));
        var (_, foreign) = await Send(other, null);
        (await Send(gateway, foreign)).Cookie.Should().NotBeNull();
    }

    [Fact]
    public async Task Key_rotation_a_second_key_still_verifies_while_the_first_signs()
    {
        await using var old = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key1)));
        await using var rotated = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key2), ("SessionAffinity:c:Keys:1", Key1)));
        var (backend, cookie) = await Send(old, null);

        var (next, set) = await Send(rotated, cookie);

        next.Should().Be(backend);
        set.Should().BeNull();
    }

    [Fact]
    public async Task An_unhealthy_bound_destination_is_redistributed_by_default_and_503_under_Return503()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key1)));
        var (backend, cookie) = await Send(gateway, null);
        var cluster = gateway.Services.GetRequiredService<ClusterRegistry>().GetCluster("c");
        var bound = cluster.Snapshot.AllDestinations.Single(d => d.Id == "d" + backend[1..]);
        cluster.SetHealth(bound, DestinationHealth.Unhealthy);

        var (moved, rebound) = await Send(gateway, cookie);
        moved.Should().NotBe(backend);
        rebound.Should().NotBeNullOrEmpty();

        await using var strict = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key1), ("SessionAffinity:c:FailurePolicy", "Return503")));
        var strictCluster = strict.Services.GetRequiredService<ClusterRegistry>().GetCluster("c");
        strictCluster.SetHealth(strictCluster.Snapshot.AllDestinations.Single(d => d.Id == bound.Id), DestinationHealth.Unhealthy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/x");
        request.Headers.Add("Cookie", $".EdgeKit.Affinity={cookie}");
        using var response = await strict.Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).Should().Contain("urn:edgekit:problem:affinity-destination-unavailable");
    }

    [Fact]
    public async Task Header_mode_and_data_protection_mode_bind_too()
    {
        await using var header = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key1), ("SessionAffinity:c:Mode", "Header")));
        using var first = await header.Client.GetAsync("/x");
        string value = first.Headers.GetValues("X-EdgeKit-Affinity").Single();
        string backend = first.Headers.GetValues("X-Backend").Single();
        for (int i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/x");
            request.Headers.Add("X-EdgeKit-Affinity", value);
            using var response = await header.Client.SendAsync(request);
            response.Headers.GetValues("X-Backend").Single().Should().Be(backend);
            response.Headers.Contains("X-EdgeKit-Affinity").Should().BeFalse();
        }

        await using var protectedGateway = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Name", null), ("SessionAffinity:c:CookieLifetime", "01:00:00")));
        var (dpBackend, dpCookie) = await Send(protectedGateway, null);
        dpCookie.Should().NotBeNullOrEmpty();
        for (int i = 0; i < 4; i++)
        {
            (await Send(protectedGateway, dpCookie)).Backend.Should().Be(dpBackend);
        }
    }

    [Fact]
    public async Task The_cookie_is_HttpOnly_SameSite_Lax_on_path_root_with_the_configured_lifetime()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(("SessionAffinity:c:Keys:0", Key1), ("SessionAffinity:c:CookieLifetime", "00:30:00")));
        using var response = await gateway.Client.GetAsync("/x");
        string setCookie = response.Headers.GetValues("Set-Cookie").Single();

        setCookie.Should().StartWith(".EdgeKit.Affinity=").And.Contain("; max-age=1800").And.Contain("; path=/").And.Contain("; samesite=lax").And.Contain("; httponly");
        setCookie.Should().NotContain("secure", "the request came over plain http and CookieSecure is SameAsRequest");
    }

    [Fact]
    public async Task Bad_affinity_settings_are_reported_with_the_others()
    {
        var act = () => GatewayHost.StartAsync(Settings(
            ("SessionAffinity:c:Keys:0", "c2hvcnQ="),
            ("SessionAffinity:missing:Mode", "Cookie"),
            ("SessionAffinity:c:CookiePath", "nope")));

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().BeEquivalentTo(
            "EdgeKit:SessionAffinity:c:Keys:0: is not a base64 key of at least 32 bytes.",
            "EdgeKit:SessionAffinity:c: CookiePath 'nope' must start with '/'.",
            "EdgeKit:SessionAffinity:missing: cluster 'missing' does not exist.");
    }
}
