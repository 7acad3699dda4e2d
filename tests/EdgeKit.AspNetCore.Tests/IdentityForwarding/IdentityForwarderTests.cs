using System.Net.Http.Headers;
using System.Security.Claims;
using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.IdentityForwarding;

public class IdentityForwarderTests
{
    internal static DefaultHttpContext Context(ClaimsPrincipal? user = null, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext { User = user ?? new ClaimsPrincipal(new ClaimsIdentity()) };
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        return context;
    }

    internal static ClaimsPrincipal User(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "test"));

    /// <summary>An outgoing request carrying copies of <paramref name="incoming"/>'s headers, as a forwarder makes.</summary>
    internal static HttpRequestMessage Outgoing(HttpContext incoming)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://backend/") { Content = new StringContent("{}") };
        foreach (var (name, values) in incoming.Request.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return request;
    }

    [Fact]
    public void Claims_become_headers_and_forged_copies_are_always_removed()
    {
        var forwarder = new IdentityForwarder(new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub", ["X-Roles"] = "roles", ["X-Tenant"] = "tenant" } });
        var context = Context(User(("sub", "alice"), ("roles", "admin"), ("roles", "ops")), ("X-User-Id", "root"), ("x-roles", "superuser"), ("X-Tenant", "other"));
        using var request = Outgoing(context);

        forwarder.Apply(context, request);

        request.Headers.GetValues("X-User-Id").Should().Equal("alice");
        request.Headers.GetValues("X-Roles").Should().Equal("admin,ops");
        request.Headers.Contains("X-Tenant").Should().BeFalse("the caller has no tenant claim, so the forged one is dropped and none is set");
    }

    [Fact]
    public void Forged_identity_headers_in_other_spellings_are_removed_too()
    {
        var forwarder = new IdentityForwarder(new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub" } });
        var context = Context(User(("sub", "alice")), ("X_User_Id", "admin"), ("x-user_id", "admin"), ("X-User-Ids", "kept"));
        using var request = Outgoing(context);

        forwarder.Apply(context, request);

        request.Headers.Select(h => h.Key).Should().BeEquivalentTo("X-User-Id", "X-User-Ids");
        request.Headers.GetValues("X-User-Id").Should().Equal("alice");
        request.Headers.GetValues("X-User-Ids").Should().Equal("kept");
    }

    [Fact]
    public void Anonymous_callers_get_every_identity_header_removed()
    {
        var forwarder = new IdentityForwarder(new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub" }, StripHeaders = { "X-Api-Key" } });
        var context = Context(null, ("X-User-Id", "admin"), ("X-Api-Key", "secret"), ("X-Other", "kept"));
        using var request = Outgoing(context);

        forwarder.Apply(context, request);

        request.Headers.Contains("X-User-Id").Should().BeFalse();
        request.Headers.Contains("X-Api-Key").Should().BeFalse();
        request.Headers.GetValues("X-Other").Should().Equal("kept");
    }

    [Fact]
    public void The_token_is_stripped_by_default_and_relayed_when_asked()
    {
        var context = Context(User(("sub", "alice")), ("Authorization", "Bearer abc.def.ghi"));
        using var stripped = Outgoing(context);
        using var relayed = new HttpRequestMessage(HttpMethod.Get, "http://backend/"); // a forwarder that copies nothing

        new IdentityForwarder(new IdentityForwardingOptions()).Apply(context, stripped);
        new IdentityForwarder(new IdentityForwardingOptions { Token = TokenForwarding.Relay }).Apply(context, relayed);

        stripped.Headers.Authorization.Should().BeNull();
        relayed.Headers.Authorization.Should().Be(new AuthenticationHeaderValue("Bearer", "abc.def.ghi"));
    }

    [Fact]
    public void A_claim_value_a_header_cannot_carry_is_not_forwarded()
    {
        var forwarder = new IdentityForwarder(new IdentityForwardingOptions { Headers = { ["X-Name"] = "name", ["X-User-Id"] = "sub" } });
        var context = Context(User(("name", "Zoë\r\nX-Admin: true"), ("sub", "alice")), ("X-Name", "forged"));
        using var request = Outgoing(context);

        forwarder.Apply(context, request);

        request.Headers.Contains("X-Name").Should().BeFalse();
        request.Headers.GetValues("X-User-Id").Should().Equal("alice");
    }

    [Fact]
    public void Bad_options_are_refused_with_every_problem()
    {
        var act = () => new IdentityForwarder(new IdentityForwardingOptions
        {
            Headers = { ["Authorization"] = "sub", ["X User"] = "sub", ["X-Ok"] = "" },
            StripHeaders = { "bad header" },
        });

        act.Should().Throw<ArgumentException>().WithMessage(
            "IdentityForwardingOptions.Headers: 'Authorization' is not a header name identity can be forwarded in. "
            + "IdentityForwardingOptions.Headers: 'X User' is not a header name identity can be forwarded in. "
            + "IdentityForwardingOptions.Headers['X-Ok'] needs a claim type. "
            + "IdentityForwardingOptions.StripHeaders: 'bad header' is not a header name.*");
    }

    [Fact]
    public void The_options_are_copied()
    {
        var options = new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub" } };
        var forwarder = new IdentityForwarder(options);
        options.Headers["X-User-Id"] = "email";
        var context = Context(User(("sub", "alice"), ("email", "a@example.com")));
        using var request = Outgoing(context);

        forwarder.Apply(context, request);

        request.Headers.GetValues("X-User-Id").Should().Equal("alice");
    }

    [Fact]
    public void Named_settings_are_registered_validated_and_served_by_the_provider()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddEdgeKit()
            .AddIdentityForwarding("orders", o => o.Headers["X-User-Id"] = "sub")
            .AddIdentityForwarding("broken", o => o.Headers["Host"] = "sub");
        using var provider = services.BuildServiceProvider();
        var forwarders = provider.GetRequiredService<IdentityForwarderProvider>();

        forwarders.Get("orders").Should().BeSameAs(forwarders.Get("orders"));
        var broken = () => forwarders.Get("broken");
        broken.Should().Throw<OptionsValidationException>().WithMessage("The identity forwarding settings 'broken' are invalid; see IdentityForwarder.Validate.");
    }
}
