using EdgeKit.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>Turns a scheme's <see cref="EdgeKitJwtOptions"/> into ASP.NET's <see cref="JwtBearerOptions"/>, for the schemes added with <c>AddEdgeKitJwt</c>.</summary>
internal sealed class EdgeKitJwtBearerSetup(
    IEnumerable<EdgeKitJwtScheme> schemes,
    IOptionsMonitor<EdgeKitJwtOptions> edgeKitOptions,
    IHttpClientFactory httpClients,
    ILoggerFactory loggerFactory) : IConfigureNamedOptions<JwtBearerOptions>, IPostConfigureOptions<JwtBearerOptions>
{
    /// <summary>The name of the <see cref="HttpClient"/> that discovery and JWKS documents are fetched with.</summary>
    public const string MetadataClientName = "EdgeKit.JwtMetadata";

    private readonly HashSet<string> _schemes = new(schemes.Select(s => s.Name), StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger("EdgeKit.Auth.Jwt");

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        name ??= Options.DefaultName;
        if (!_schemes.Contains(name))
        {
            return;
        }

        var settings = edgeKitOptions.Get(name);
        options.MapInboundClaims = false;

        // JwtBearer's own details echo token values unescaped (a quote or CR/LF in "iss" breaks the header) and tell a
        // caller which key ids exist; the challenge below writes EdgeKit's instead (see EdgeKitJwtOptions.IncludeErrorDetails).
        options.IncludeErrorDetails = false;
        options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        options.RefreshOnIssuerKeyNotFound = true;
        options.AutomaticRefreshInterval = settings.AutomaticRefreshInterval;
        options.RefreshInterval = settings.RefreshInterval;
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(new JsonWebTokenHandler { MapInboundClaims = false, MaximumTokenSizeInBytes = settings.MaximumTokenSizeInBytes });

        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            TryAllIssuerSigningKeys = false,
            ValidAudiences = [.. settings.Audiences.Where(a => !string.IsNullOrWhiteSpace(a))],
            ValidAlgorithms = [.. settings.ValidAlgorithms],
            ClockSkew = settings.ClockSkew,
            NameClaimType = settings.NameClaimType,
            RoleClaimType = settings.RoleClaimType,
        };
        var issuers = settings.Issuers.Where(i => !string.IsNullOrWhiteSpace(i)).ToArray();
        if (issuers.Length > 0)
        {
            parameters.ValidIssuers = issuers;
        }

        if (settings.SigningKeys is { Count: > 0 })
        {
            var keys = new List<SecurityKey>();
            foreach (var key in settings.SigningKeys)
            {
                if (EdgeKitJwtOptionsValidator.TryCreateKey(key, settings.AllowSymmetricKeys, out var securityKey, out _))
                {
                    keys.Add(securityKey!);
                }
            }

            parameters.IssuerSigningKeys = keys;
        }
        else
        {
            bool jwksOnly = !string.IsNullOrWhiteSpace(settings.JwksUri);
            string address = jwksOnly
                ? settings.JwksUri!
                : !string.IsNullOrWhiteSpace(settings.MetadataAddress)
                    ? settings.MetadataAddress!
                    : settings.Authority!.TrimEnd('/') + "/.well-known/openid-configuration";
            if (!jwksOnly)
            {
                options.Authority = settings.Authority;
                options.MetadataAddress = address;
            }

            var documents = new HttpDocumentRetriever(httpClients.CreateClient(MetadataClientName)) { RequireHttps = settings.RequireHttpsMetadata };
            IConfigurationRetriever<OpenIdConnectConfiguration> retriever = jwksOnly ? new JwksConfigurationRetriever() : new OpenIdConnectConfigurationRetriever();
            options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(address, retriever, documents)
            {
                AutomaticRefreshInterval = settings.AutomaticRefreshInterval,
                RefreshInterval = settings.RefreshInterval,
            };
        }

        options.TokenValidationParameters = parameters;
    }

    public void PostConfigure(string? name, JwtBearerOptions options)
    {
        name ??= Options.DefaultName;
        if (!_schemes.Contains(name))
        {
            return;
        }

        var settings = edgeKitOptions.Get(name);
        int maxSize = settings.MaximumTokenSizeInBytes;
        var maxLifetime = settings.MaxTokenLifetime;
        var logger = _logger;
        var events = options.Events ?? new JwtBearerEvents();
        var onMessageReceived = events.OnMessageReceived;
        var onAuthenticationFailed = events.OnAuthenticationFailed;
        var onTokenValidated = events.OnTokenValidated;
        var onChallenge = events.OnChallenge;
        bool includeDetails = settings.IncludeErrorDetails;

        events.OnMessageReceived = context =>
        {
            string? authorization = context.Request.Headers.Authorization;
            if (authorization is not null && authorization.Length > maxSize + 7
                && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                Reject(logger, name, "too_large");
                context.Fail(new TokenRejectedException($"The bearer token exceeds {maxSize} bytes."));
                return Task.CompletedTask;
            }

            return onMessageReceived(context);
        };
        events.OnAuthenticationFailed = context =>
        {
            Reject(logger, name, ReasonOf(context.Exception));
            return onAuthenticationFailed(context);
        };
        events.OnTokenValidated = context =>
        {
            if (context.SecurityToken is JsonWebToken jwt && !JwtCriticalHeader.IsAcceptable(jwt.EncodedHeader, out string reason, out string description))
            {
                Reject(logger, name, reason);
                context.Fail(new TokenRejectedException(description));
                return Task.CompletedTask;
            }

            if (maxLifetime is { } max && context.SecurityToken is JsonWebToken token)
            {
                var start = token.ValidFrom != DateTime.MinValue ? token.ValidFrom : token.IssuedAt;
                if (start == DateTime.MinValue || token.ValidTo - start > max)
                {
                    Reject(logger, name, "lifetime_too_long");
                    context.Fail(new TokenRejectedException($"The token's lifetime exceeds {max}, or it has neither nbf nor iat."));
                    return Task.CompletedTask;
                }
            }

            return onTokenValidated(context);
        };
        events.OnChallenge = context =>
        {
            if (context.AuthenticateFailure is { } failure)
            {
                // A token was presented and refused (RFC 6750 §3.1); a request without one gets the bare challenge.
                context.Error = "invalid_token";
                context.ErrorDescription = includeDetails ? HeaderText.ToQuotedStringContent(Describe(failure)) : null;
            }

            return onChallenge(context);
        };
        options.Events = events;
    }

    private static void Reject(ILogger logger, string scheme, string reason)
    {
        AuthenticationMetrics.RecordFailure(scheme, reason);
        AuthenticationLog.AuthenticationFailed(logger, scheme, reason);
    }

    /// <summary>
    /// Why a token was refused, as a sentence for <see cref="EdgeKitJwtOptions.IncludeErrorDetails"/> (development):
    /// values from the token (issuer, audience) are quoted, cut to 100 characters, and still need escaping.
    /// </summary>
    internal static string Describe(Exception exception) => exception switch
    {
        TokenRejectedException => exception.Message,
        SecurityTokenExpiredException e => $"The token expired at '{e.Expires:O}'.",
        SecurityTokenNotYetValidException e => $"The token is not valid before '{e.NotBefore:O}'.",
        SecurityTokenNoExpirationException => "The token has no expiration time.",
        SecurityTokenInvalidLifetimeException e => $"The token's lifetime is invalid (not before '{e.NotBefore:O}', expires '{e.Expires:O}').",
        SecurityTokenInvalidIssuerException e => string.IsNullOrEmpty(e.InvalidIssuer) ? "The token's issuer is not accepted." : $"The issuer '{Cut(e.InvalidIssuer)}' is not accepted.",
        SecurityTokenInvalidAudienceException e => string.IsNullOrEmpty(e.InvalidAudience) ? "The token's audience is not accepted." : $"The audience '{Cut(e.InvalidAudience)}' is not accepted.",
        SecurityTokenSignatureKeyNotFoundException => "The signature key was not found.",
        SecurityTokenInvalidAlgorithmException => "The signature algorithm is not accepted.",
        SecurityTokenInvalidSignatureException => "The signature is invalid.",
        SecurityTokenMalformedException or ArgumentException => "The token is malformed.",
        AggregateException e => string.Join(" ", e.InnerExceptions.Select(Describe)),
        _ => "The token is invalid.",
    };

    private static string Cut(string value) => value.Length <= 100 ? value : value[..100] + "...";

    /// <summary>A fixed word for why IdentityModel rejected a token (never the token or its claims).</summary>
    internal static string ReasonOf(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not_yet_valid",
        SecurityTokenNoExpirationException => "no_expiration",
        SecurityTokenInvalidLifetimeException => "invalid_lifetime",
        SecurityTokenInvalidIssuerException => "invalid_issuer",
        SecurityTokenInvalidAudienceException => "invalid_audience",
        SecurityTokenSignatureKeyNotFoundException => "unknown_key",
        SecurityTokenInvalidAlgorithmException => "invalid_algorithm",
        SecurityTokenInvalidSignatureException => "invalid_signature",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "invalid_token",
    };
}
