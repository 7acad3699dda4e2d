using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using EdgeKit.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>
/// Verifies <see cref="HmacSignature"/> request signatures: the key, the signed headers (<c>date</c> and
/// <c>content-digest</c> at least), the <c>Date</c> within the clock-skew window, the RFC 9530 body digest
/// (the body of a signed request is buffered, up to a limit, and left readable), the HMAC-SHA256 compared in constant
/// time, and finally the nonce, which must not have been seen within the window. Requests not signed with this
/// scheme get no result, and are not buffered.
/// </summary>
internal sealed class HmacAuthenticationHandler(IOptionsMonitor<HmacAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<HmacAuthenticationOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (authorization is null || !authorization.StartsWith(HmacSignature.Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!HmacSignature.TryParseAuthorization(authorization, out var signature))
        {
            return Fail("malformed", "The signature header is malformed.");
        }

        if (!Options.Keys.TryGetValue(signature.KeyId, out var key) || key is null || !TryDecodeSecret(key.Secret, out var secret) || string.IsNullOrWhiteSpace(key.ClientId))
        {
            return Fail("unknown_key", "The signature is not valid.");
        }

        if (key.Revoked)
        {
            return Fail("revoked", "The signature is not valid.");
        }

        var signed = new HashSet<string>(signature.SignedHeaders, StringComparer.OrdinalIgnoreCase);
        foreach (var required in HmacSignature.RequiredHeaders.Concat(Options.RequiredSignedHeaders))
        {
            if (!signed.Contains(required))
            {
                return Fail("unsigned_header", $"The signature must cover the '{required.ToLowerInvariant()}' header.");
            }
        }

        if (!DateTimeOffset.TryParseExact((string?)Request.Headers.Date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return Fail("no_date", "A signed request needs a Date header (IMF-fixdate).");
        }

        var skew = Options.AllowedClockSkew;
        var now = TimeProvider.GetUtcNow();
        if (date < now - skew || date > now + skew)
        {
            return Fail("clock_skew", "The request's Date is outside the allowed clock skew.");
        }

        var digest = await ReadBodyDigestAsync(Options.MaxBodySize).ConfigureAwait(false);
        if (digest is null)
        {
            return Fail("body_too_large", $"A signed request's body may not exceed {Options.MaxBodySize} bytes.");
        }

        string? receivedDigest = Request.Headers[HmacSignature.ContentDigestHeader];
        if (receivedDigest is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(receivedDigest.Trim()), Encoding.ASCII.GetBytes(digest)))
        {
            return Fail("digest_mismatch", "The Content-Digest does not match the body.");
        }

        string target = Context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (Request.PathBase + Request.Path + Request.QueryString).ToString();
        int q = target.IndexOf('?');
        string path = q < 0 ? target : target[..q];
        string query = q < 0 ? "" : target[(q + 1)..];
        var headers = new List<KeyValuePair<string, string>>(signature.SignedHeaders.Count);
        foreach (var name in signature.SignedHeaders)
        {
            headers.Add(new(name, string.Join(", ", (IEnumerable<string?>)Request.Headers[name])));
        }

        string text = HmacSignature.BuildStringToSign(Request.Method, path, query, signature.KeyId, signature.Nonce, headers);
        if (!HmacSignature.Verify(secret, text, signature.Signature))
        {
            return Fail("invalid_signature", "The signature is not valid.");
        }

        // Only a verified request may use up a nonce: otherwise anyone could fill the cache without the secret.
        var nonces = Context.RequestServices.GetRequiredService<HmacNonceCaches>().Get(Scheme.Name, Options.NonceCacheCapacity, TimeProvider);
        switch (nonces.TryAdd(signature.KeyId + "\n" + signature.Nonce, 2 * skew))
        {
            case NonceResult.Replayed:
                AuthenticationLog.HmacReplayRejected(Logger, Scheme.Name, signature.KeyId);
                return Fail("replay", "The request was already received.");
            case NonceResult.Full:
                AuthenticationLog.HmacNonceCacheFull(Logger, Scheme.Name, nonces.Capacity);
                return Fail("nonce_cache_full", "The request cannot be checked for replay now; retry later.");
        }

        var claims = new List<Claim>
        {
            new(EdgeKitClaimTypes.ClientId, key.ClientId),
            new(ClaimTypes.NameIdentifier, key.ClientId),
            new(EdgeKitClaimTypes.KeyId, signature.KeyId),
        };
        claims.AddRange((key.Scopes ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => new Claim(EdgeKitClaimTypes.Scope, s)));
        if (!string.IsNullOrWhiteSpace(key.Tier))
        {
            claims.Add(new Claim(EdgeKitClaimTypes.RateLimitTier, key.Tier));
        }

        var identity = new ClaimsIdentity(claims, Scheme.Name, EdgeKitClaimTypes.ClientId, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append("WWW-Authenticate", $"{HmacSignature.Scheme} headers=\"{string.Join(' ', HmacSignature.RequiredHeaders.Concat(Options.RequiredSignedHeaders))}\"");
        return Task.CompletedTask;
    }

    /// <summary>Buffers the body (so the endpoint can still read it) and returns its Content-Digest, or <see langword="null"/> when it exceeds <paramref name="limit"/>.</summary>
    private async Task<string?> ReadBodyDigestAsync(int limit)
    {
        if (Request.ContentLength > limit)
        {
            return null;
        }

        Request.EnableBuffering(bufferThreshold: Math.Min(limit, 64 * 1024), bufferLimit: limit);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await Request.Body.ReadAsync(buffer, Context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return null;
                }

                sha.AppendData(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            return null; // the buffering stream refuses bodies beyond its limit
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Request.Body.Position = 0;
        return "sha-256=:" + Convert.ToBase64String(sha.GetHashAndReset()) + ":";
    }

    private static bool TryDecodeSecret(string? secret, out byte[] bytes)
    {
        bytes = [];
        try
        {
            bytes = Convert.FromBase64String(secret ?? "");
        }
        catch (FormatException)
        {
            return false;
        }

        return bytes.Length >= 32;
    }

    private AuthenticateResult Fail(string reason, string message)
    {
        AuthenticationMetrics.RecordFailure(Scheme.Name, reason);
        AuthenticationLog.AuthenticationFailed(Logger, Scheme.Name, reason);
        return AuthenticateResult.Fail(message);
    }
}
