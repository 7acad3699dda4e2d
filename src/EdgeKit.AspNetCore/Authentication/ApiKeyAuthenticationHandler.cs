using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using EdgeKit.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// Authenticates a request by the API key in a header (or, when enabled, the query): hashes the key with SHA-256,
/// finds it among the configured keys (constant-time comparison), else in the registered <see cref="IApiKeyStore"/>,
/// and issues the client id, scopes, roles and rate-limit tier as claims. A request without a key gets no result,
/// so that other schemes may authenticate it.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers[Options.HeaderName];
        if (values.Count == 0 && Options.QueryParameterName is { } parameter)
        {
            values = Request.Query[parameter];
        }

        if (values.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (values.Count > 1)
        {
            return Fail("ambiguous", "More than one API key was presented.");
        }

        Span<byte> hash = stackalloc byte[ApiKeyHash.SizeInBytes];
        if (!ApiKeyHash.TryCompute(values[0], hash))
        {
            return Fail("malformed", "The API key is empty or too long.");
        }

        var table = Options.GetTable(BuildTable);
        var entry = table.Find(hash);
        var record = entry?.Record;
        string[] roles = entry?.Roles ?? [];
        if (record is null && Context.RequestServices.GetService<IApiKeyStore>() is { } store)
        {
            byte[] copy = hash.ToArray();
            record = await store.FindAsync(copy, Context.RequestAborted).ConfigureAwait(false);
            if (record is not null && !CryptographicOperations.FixedTimeEquals(record.Hash.Span, copy))
            {
                record = null;
            }
        }

        if (record is null)
        {
            return Fail("unknown_key", "The API key is not valid.");
        }

        if (record.IsRevoked)
        {
            AuthenticationLog.RevokedApiKeyUsed(Logger, Scheme.Name, record.KeyId, record.ClientId);
            return Fail("revoked", "The API key is not valid.");
        }

        if (record.NotAfter is { } notAfter && TimeProvider.GetUtcNow() > notAfter)
        {
            return Fail("expired", "The API key is not valid.");
        }

        var claims = new List<Claim>(4 + record.Scopes.Count + roles.Length)
        {
            new(EdgeKitClaimTypes.ClientId, record.ClientId),
            new(ClaimTypes.NameIdentifier, record.ClientId),
            new(EdgeKitClaimTypes.KeyId, record.KeyId),
        };
        foreach (var scope in record.Scopes)
        {
            claims.Add(new Claim(EdgeKitClaimTypes.Scope, scope));
        }

        foreach (var role in roles)
        {
            claims.Add(new Claim(ClaimTypes.Role, role));
        }

        if (record.Tier is { } tier)
        {
            claims.Add(new Claim(EdgeKitClaimTypes.RateLimitTier, tier));
        }

        var identity = new ClaimsIdentity(claims, Scheme.Name, EdgeKitClaimTypes.ClientId, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append("WWW-Authenticate", $"ApiKey realm=\"{Options.Realm}\", header=\"{Options.HeaderName}\"");
        return Task.CompletedTask;
    }

    private ApiKeyTable BuildTable(ApiKeyAuthenticationOptions options)
    {
        var errors = new List<string>();
        var table = ApiKeyTable.Build(options.Keys, errors);
        foreach (var error in errors)
        {
            AuthenticationLog.ApiKeyConfigurationInvalid(Logger, Scheme.Name, error);
        }

        AuthenticationLog.ApiKeysLoaded(Logger, Scheme.Name, table.Count);
        return table;
    }

    private AuthenticateResult Fail(string reason, string message)
    {
        AuthenticationMetrics.RecordFailure(Scheme.Name, reason);
        AuthenticationLog.AuthenticationFailed(Logger, Scheme.Name, reason);
        return AuthenticateResult.Fail(message);
    }
}
