using System.Security.Cryptography;
using EdgeKit.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.Authentication;

public class EdgeKitJwtOptionsValidatorTests
{
    private static List<string> Errors(Action<EdgeKitJwtOptions> configure)
    {
        var options = new EdgeKitJwtOptions { Authority = "https://issuer.example", Audiences = ["api"] };
        configure(options);
        var result = new EdgeKitJwtOptionsValidator().Validate("Bearer", options);
        return result.Failed ? [.. result.Failures] : [];
    }

    [Fact]
    public void Defaults_with_an_authority_and_an_audience_are_valid()
    {
        Errors(_ => { }).Should().BeEmpty();
        var defaults = new EdgeKitJwtOptions();
        defaults.ValidAlgorithms.Should().Equal("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
        defaults.ClockSkew.Should().Be(TimeSpan.FromSeconds(30));
        defaults.RefreshInterval.Should().Be(TimeSpan.FromMinutes(5));
        defaults.AutomaticRefreshInterval.Should().Be(TimeSpan.FromHours(12));
        defaults.MaximumTokenSizeInBytes.Should().Be(16 * 1024);
        defaults.RequireHttpsMetadata.Should().BeTrue();
        defaults.AllowSymmetricKeys.Should().BeFalse();
        defaults.IncludeErrorDetails.Should().BeFalse();
    }

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Development", true)]
    [InlineData("Staging", true)]
    public void Error_details_are_refused_in_Production_only(string environment, bool valid)
    {
        var host = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = environment };
        var options = new EdgeKitJwtOptions { Authority = "https://issuer.example", Audiences = ["api"], IncludeErrorDetails = true };

        var result = new EdgeKitJwtOptionsValidator(host).Validate("Bearer", options);

        (result.Failed ? result.Failures : []).Should().Equal(valid ? [] : [
            "EdgeKit JWT scheme 'Bearer': IncludeErrorDetails is on in the Production environment; it tells callers why their tokens fail (which key ids exist, the expected issuer, audience and expiry) and is for development only."]);
        new EdgeKitJwtOptionsValidator(host).Validate("Bearer", new EdgeKitJwtOptions { Authority = "https://issuer.example", Audiences = ["api"] })
            .Succeeded.Should().BeTrue("details off is valid everywhere");
    }

    [Fact]
    public void Error_details_bind_from_configuration_and_a_bad_value_names_the_key()
    {
        static EdgeKitJwtOptions Bind(string value)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Jwt:Authority"] = "https://issuer.example",
                ["Jwt:Audiences:0"] = "api",
                ["Jwt:IncludeErrorDetails"] = value,
            }).Build();
            var services = new ServiceCollection().AddLogging();
            services.AddAuthentication().AddEdgeKitJwt(configuration.GetSection("Jwt"));
            using var provider = services.BuildServiceProvider();
            return provider.GetRequiredService<IOptionsMonitor<EdgeKitJwtOptions>>().Get("Bearer");
        }

        Bind("true").IncludeErrorDetails.Should().BeTrue();
        Bind("false").IncludeErrorDetails.Should().BeFalse();
        var bad = () => Bind("sometimes");
        bad.Should().Throw<OptionsValidationException>().WithMessage("`Jwt:IncludeErrorDetails`: 'sometimes' is not true or false.");
    }

    [Fact]
    public void None_is_never_accepted_and_HS_algorithms_need_symmetric_keys_allowed()
    {
        Errors(o => o.ValidAlgorithms = ["none", "HS256", "XS1"]).Should().Equal(
            "EdgeKit JWT scheme 'Bearer': ValidAlgorithms must not list 'none': unsigned tokens are never accepted.",
            "EdgeKit JWT scheme 'Bearer': ValidAlgorithms lists 'HS256', a symmetric algorithm; set AllowSymmetricKeys to accept HMAC-signed tokens.",
            "EdgeKit JWT scheme 'Bearer': ValidAlgorithms lists 'XS1', which is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, HS256, HS384, HS512.");
        Errors(o => { o.ValidAlgorithms = ["HS256"]; o.AllowSymmetricKeys = true; }).Should().BeEmpty();
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        Errors(o =>
        {
            o.Authority = null;
            o.Audiences = [];
            o.ClockSkew = TimeSpan.FromMinutes(10);
            o.RefreshInterval = TimeSpan.FromMilliseconds(10);
            o.AutomaticRefreshInterval = TimeSpan.FromMinutes(1);
            o.MaximumTokenSizeInBytes = 10;
        }).Should().Equal(
            "EdgeKit JWT scheme 'Bearer': set exactly one key source: Authority or MetadataAddress (OpenID discovery), JwksUri, or SigningKeys; 0 are set.",
            "EdgeKit JWT scheme 'Bearer': Issuers must list at least one issuer when keys come from JwksUri or SigningKeys.",
            "EdgeKit JWT scheme 'Bearer': Audiences must list at least one audience; without it a token issued for another API would be accepted.",
            "EdgeKit JWT scheme 'Bearer': ClockSkew must be between 0 and 5 minutes, was 00:10:00.",
            "EdgeKit JWT scheme 'Bearer': MaximumTokenSizeInBytes must be between 256 and 1048576, was 10.",
            "EdgeKit JWT scheme 'Bearer': RefreshInterval must be at least 00:00:01, was 00:00:00.0100000.",
            "EdgeKit JWT scheme 'Bearer': AutomaticRefreshInterval must be at least 00:05:00, was 00:01:00.");
    }

    [Fact]
    public void Metadata_must_be_https_unless_allowed()
    {
        Errors(o => o.Authority = "http://issuer.example").Should().Equal(
            "EdgeKit JWT scheme 'Bearer': Authority must use https while RequireHttpsMetadata is on, was 'http://issuer.example'.");
        Errors(o => { o.Authority = "http://127.0.0.1:5000"; o.RequireHttpsMetadata = false; }).Should().BeEmpty();
    }

    [Fact]
    public void Static_keys_must_be_public_and_symmetric_ones_allowed_and_long_enough()
    {
        using var rsa = RSA.Create(2048);
        var errors = Errors(o =>
        {
            o.Authority = null;
            o.Issuers = ["https://issuer.example"];
            o.SigningKeys =
            [
                new() { KeyId = "ok", PublicKeyPem = rsa.ExportSubjectPublicKeyInfoPem() },
                new() { KeyId = "private", PublicKeyPem = rsa.ExportPkcs8PrivateKeyPem() },
                new() { KeyId = "hs", SymmetricKey = Convert.ToBase64String(new byte[32]) },
                new() { KeyId = "garbage", PublicKeyPem = "not a key" },
            ];
        });

        errors.Should().Equal(
            "EdgeKit JWT scheme 'Bearer': SigningKeys['private']: PublicKeyPem holds a private key; give the gateway the public key only.",
            "EdgeKit JWT scheme 'Bearer': SigningKeys['hs']: is a symmetric key; set AllowSymmetricKeys to use symmetric keys.",
            "EdgeKit JWT scheme 'Bearer': SigningKeys['garbage']: PublicKeyPem is not an RSA or EC public key in PEM.");
    }

    [Fact]
    public async Task An_invalid_preset_stops_the_host_start()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Services.AddAuthentication().AddEdgeKitJwt(o => o.Authority = "https://issuer.example");
        await using var app = builder.Build();

        var start = () => app.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Contain(
            "EdgeKit JWT scheme 'Bearer': Audiences must list at least one audience; without it a token issued for another API would be accepted.");
    }

    [Fact]
    public void The_preset_configures_JwtBearer_strictly()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication().AddEdgeKitJwt(o =>
        {
            o.Authority = "https://issuer.example/";
            o.Audiences = ["api"];
            o.RefreshInterval = TimeSpan.FromMinutes(2);
            o.MaximumTokenSizeInBytes = 4096;
        });
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get("Bearer");

        options.MapInboundClaims.Should().BeFalse();
        options.RefreshOnIssuerKeyNotFound.Should().BeTrue();
        options.MetadataAddress.Should().Be("https://issuer.example/.well-known/openid-configuration");
        options.ConfigurationManager.Should().BeOfType<Microsoft.IdentityModel.Protocols.ConfigurationManager<Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration>>()
            .Which.RefreshInterval.Should().Be(TimeSpan.FromMinutes(2));
        options.TokenHandlers.Should().ContainSingle().Which.Should().BeOfType<Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler>()
            .Which.MaximumTokenSizeInBytes.Should().Be(4096);
        var parameters = options.TokenValidationParameters;
        parameters.ValidAudiences.Should().Equal("api");
        parameters.ValidAlgorithms.Should().NotContain("none").And.NotContain("HS256");
        parameters.RequireSignedTokens.Should().BeTrue();
        parameters.RequireExpirationTime.Should().BeTrue();
        parameters.TryAllIssuerSigningKeys.Should().BeFalse();
        parameters.ClockSkew.Should().Be(TimeSpan.FromSeconds(30));
    }
}
