using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Tests.TestSupport;

/// <summary>
/// A local OpenID issuer on 127.0.0.1: serves <c>/.well-known/openid-configuration</c> and <c>/jwks</c> (counting
/// each fetch) and mints tokens with real RSA and ECDSA keys through Microsoft.IdentityModel. Keys can be added and
/// removed while it runs (rotation).
/// </summary>
internal sealed class TokenIssuer : IAsyncDisposable
{
    public const string Audience = "orders-api";

    private readonly ConcurrentDictionary<string, (SecurityKey Key, string Algorithm)> _keys = new();
    private readonly ConcurrentDictionary<string, bool> _published = new();
    private TestApp _app = null!;
    private int _discoveryRequests;
    private int _jwksRequests;

    public string Issuer => _app.Address.ToString().TrimEnd('/');

    public string JwksUri => Issuer + "/jwks";

    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public static async Task<TokenIssuer> StartAsync()
    {
        var issuer = new TokenIssuer();
        issuer._app = await TestApp.StartAsync(_ => { }, app =>
        {
            app.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
            {
                Interlocked.Increment(ref issuer._discoveryRequests);
                return Results.Json(new Dictionary<string, object>
                {
                    ["issuer"] = issuer.Issuer,
                    ["jwks_uri"] = issuer.JwksUri,
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
                });
            });
            app.MapGet("/jwks", () =>
            {
                Interlocked.Increment(ref issuer._jwksRequests);
                return Results.Text(issuer.JwksJson(), "application/json");
            });
        });
        return issuer;
    }

    /// <summary>Creates an RSA key, published in the JWKS unless <paramref name="publish"/> is off.</summary>
    public RSA AddRsaKey(string kid, bool publish = true)
    {
        var rsa = RSA.Create(2048);
        _keys[kid] = (new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256);
        if (publish)
        {
            _published[kid] = true;
        }

        return rsa;
    }

    /// <summary>Creates a P-256 ECDSA key, published in the JWKS.</summary>
    public void AddEcKey(string kid)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _keys[kid] = (new ECDsaSecurityKey(ec) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);
        _published[kid] = true;
    }

    /// <summary>Stops publishing <paramref name="kid"/>.</summary>
    public void Unpublish(string kid) => _published.TryRemove(kid, out _);

    /// <summary>A signed token from key <paramref name="kid"/>; claims default to a valid, one-hour token for <see cref="Audience"/>.</summary>
    public string CreateToken(string kid, TokenSpec? spec = null)
    {
        spec ??= new TokenSpec();
        var (key, algorithm) = _keys[kid];
        return Mint(new SigningCredentials(key, algorithm), spec);
    }

    public string Mint(SigningCredentials credentials, TokenSpec spec)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = spec.Subject };
        if (spec.Scope is not null)
        {
            claims["scope"] = spec.Scope;
        }

        if (spec.Roles is not null)
        {
            claims["roles"] = spec.Roles;
        }

        if (spec.Tenant is not null)
        {
            claims["tenant"] = spec.Tenant;
        }

        if (spec.Padding > 0)
        {
            claims["padding"] = new string('x', spec.Padding);
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = spec.Issuer ?? Issuer,
            Audience = spec.Audience ?? Audience,
            IssuedAt = now + spec.NotBeforeOffset,
            NotBefore = now + spec.NotBeforeOffset,
            Expires = now + spec.ExpiresOffset,
            Claims = claims,
            SigningCredentials = credentials,
            AdditionalHeaderClaims = spec.HeaderClaims,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private string JwksJson()
    {
        var keys = new List<Dictionary<string, string>>();
        foreach (var kid in _published.Keys)
        {
            var (key, algorithm) = _keys[kid];
            var entry = new Dictionary<string, string> { ["kid"] = kid, ["use"] = "sig", ["alg"] = algorithm };
            if (key is RsaSecurityKey rsa)
            {
                var p = rsa.Rsa.ExportParameters(false);
                entry["kty"] = "RSA";
                entry["n"] = Base64UrlEncoder.Encode(p.Modulus);
                entry["e"] = Base64UrlEncoder.Encode(p.Exponent);
            }
            else if (key is ECDsaSecurityKey ec)
            {
                var p = ec.ECDsa.ExportParameters(false);
                entry["kty"] = "EC";
                entry["crv"] = "P-256";
                entry["x"] = Base64UrlEncoder.Encode(p.Q.X);
                entry["y"] = Base64UrlEncoder.Encode(p.Q.Y);
            }

            keys.Add(entry);
        }

        return JsonSerializer.Serialize(new { keys });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with valid claims.</summary>
    public string CreateUnsignedToken(string kid)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes($$"""{"alg":"none","typ":"JWT","kid":"{{kid}}"}"""));
        string payload = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(
            $$"""{"sub":"mallory","iss":"{{Issuer}}","aud":"{{Audience}}","iat":{{now}},"nbf":{{now}},"exp":{{now + 3600}},"scope":"orders.read"}"""));
        return header + "." + payload + ".";
    }

    /// <summary>
    /// The HS/RS confusion: a token signed with HMAC-SHA256 whose secret is the RSA key's public key (as published),
    /// claiming that key's kid, hoping the verifier uses the public key as an HMAC secret.
    /// </summary>
    public string CreateHmacTokenWithPublicKey(string kid, RSA rsa)
    {
        byte[] publicKey = Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        var key = new SymmetricSecurityKey(publicKey) { KeyId = kid };
        return Mint(new SigningCredentials(key, SecurityAlgorithms.HmacSha256), new TokenSpec { Scope = "orders.read" });
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>What a minted token says; defaults make a valid token.</summary>
internal sealed record TokenSpec
{
    public string Subject { get; init; } = "alice";

    public string? Issuer { get; init; }

    public string? Audience { get; init; }

    public string? Scope { get; init; } = "orders.read";

    public string[]? Roles { get; init; }

    public string? Tenant { get; init; }

    public TimeSpan NotBeforeOffset { get; init; } = TimeSpan.FromMinutes(-1);

    public TimeSpan ExpiresOffset { get; init; } = TimeSpan.FromHours(1);

    public int Padding { get; init; }

    /// <summary>Extra parameters of the token's (signed) header, e.g. <c>crit</c>.</summary>
    public Dictionary<string, object>? HeaderClaims { get; init; }
}
