using System.Net;
using System.Net.Http.Headers;
using EdgeKit.AspNetCore.Tests.TestSupport;

namespace EdgeKit.AspNetCore.Tests.Authentication;

/// <summary>
/// Keys from discovery are cached, a rotation is picked up without a restart, and unknown kids cannot make the gateway
/// hammer the issuer. The test assembly sets IdentityModel's <c>UpdateConfigAsBlocking</c> switch (see
/// <see cref="IdentityModelSwitches"/>); without it the refresh runs in the background and the first token with the
/// new kid is refused, later ones pass.
/// </summary>
public sealed class JwtKeyRotationTests : IAsyncLifetime
{
    private TokenIssuer _issuer = null!;
    private EchoBackend _backend = null!;
    private TestApp _gateway = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TokenIssuer.StartAsync();
        _issuer.AddRsaKey("rsa-1");
        _backend = await EchoBackend.StartAsync();
        _gateway = await JwtGatewayFixture.StartGatewayAsync(_issuer, _backend);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private async Task<HttpStatusCode> SendAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/authenticated/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _gateway.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Keys_are_fetched_once_and_cached()
    {
        for (int i = 0; i < 10; i++)
        {
            (await SendAsync(_issuer.CreateToken("rsa-1"))).Should().Be(HttpStatusCode.OK);
        }

        _issuer.DiscoveryRequests.Should().Be(1);
        _issuer.JwksRequests.Should().Be(1);
    }

    [Fact]
    public async Task A_key_rotated_in_mid_run_is_picked_up_on_its_first_token_without_a_restart()
    {
        (await SendAsync(_issuer.CreateToken("rsa-1"))).Should().Be(HttpStatusCode.OK);

        _issuer.AddEcKey("ec-2");
        _issuer.Unpublish("rsa-1");

        (await SendAsync(_issuer.CreateToken("ec-2"))).Should().Be(HttpStatusCode.OK,
            "an unknown kid refreshes the keys (blocking, with the UpdateConfigAsBlocking switch) and the token is validated again");
        (await SendAsync(_issuer.CreateToken("ec-2"))).Should().Be(HttpStatusCode.OK);
        _issuer.JwksRequests.Should().Be(2);
        _backend.Requests.Should().Be(3);
    }

    [Fact]
    public async Task A_flood_of_unknown_kids_refreshes_the_keys_at_most_once_per_refresh_interval()
    {
        (await SendAsync(_issuer.CreateToken("rsa-1"))).Should().Be(HttpStatusCode.OK);
        _issuer.AddRsaKey("forged", publish: false);

        for (int i = 0; i < 20; i++)
        {
            (await SendAsync(_issuer.CreateToken("forged"))).Should().Be(HttpStatusCode.Unauthorized);
        }

        _issuer.JwksRequests.Should().Be(2, "the first unknown kid refreshes; the next ones fall within the 5-minute RefreshInterval");

        // The price of the limit: a key published within the interval waits for the next refresh.
        _issuer.AddRsaKey("rsa-2");
        (await SendAsync(_issuer.CreateToken("rsa-2"))).Should().Be(HttpStatusCode.Unauthorized);
        _issuer.JwksRequests.Should().Be(2);
        (await SendAsync(_issuer.CreateToken("rsa-1"))).Should().Be(HttpStatusCode.OK, "known keys keep working");
        _backend.Requests.Should().Be(2);
    }
}
