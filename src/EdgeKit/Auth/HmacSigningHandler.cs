using System.Security.Cryptography;

namespace EdgeKit.Auth;

/// <summary>
/// Signs every request with <see cref="HmacSignature"/>: sets <c>Date</c> (from the <see cref="TimeProvider"/>),
/// <c>Content-Digest</c> over the buffered body, a random nonce, and the <c>Authorization</c> header.
/// </summary>
internal sealed class HmacSigningHandler : DelegatingHandler
{
    /// <summary>The smallest secret accepted: 32 bytes (the HMAC-SHA256 block's recommended minimum key size).</summary>
    public const int MinSecretBytes = 32;

    private readonly string _keyId;
    private readonly byte[] _secret;
    private readonly string[] _headers;
    private readonly TimeProvider _time;

    public HmacSigningHandler(HmacSigningOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.KeyId) || !HeaderText.IsToken(options.KeyId))
        {
            throw new ArgumentException("HmacSigningOptions.KeyId must be set, with header token characters only.", nameof(options));
        }

        byte[]? secret = null;
        try
        {
            secret = Convert.FromBase64String(options.Secret ?? "");
        }
        catch (FormatException)
        {
        }

        if (secret is null || secret.Length < MinSecretBytes)
        {
            throw new ArgumentException($"HmacSigningOptions.Secret must be base64 of at least {MinSecretBytes} bytes.", nameof(options));
        }

        var extra = (options.SignedHeaders ?? []).Select(h => h.Trim().ToLowerInvariant()).Where(h => h.Length > 0).ToArray();
        foreach (var header in extra)
        {
            if (!HeaderText.IsToken(header))
            {
                throw new ArgumentException($"HmacSigningOptions.SignedHeaders lists '{header}', which is not a header name.", nameof(options));
            }
        }

        _keyId = options.KeyId;
        _secret = secret;
        _headers = [.. HmacSignature.RequiredHeaders, .. extra.Except(HmacSignature.RequiredHeaders)];
        _time = timeProvider ?? TimeProvider.System;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("An HMAC-signed request needs an absolute RequestUri.");
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Date = _time.GetUtcNow();
        request.Headers.Remove(HmacSignature.ContentDigestHeader);
        request.Headers.TryAddWithoutValidation(HmacSignature.ContentDigestHeader, HmacSignature.ComputeContentDigest(body));
        string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var signed = new List<KeyValuePair<string, string>>(_headers.Length);
        foreach (var name in _headers)
        {
            signed.Add(new(name, HeaderValue(request, name)));
        }

        string pathAndQuery = uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
        int q = pathAndQuery.IndexOf('?');
        string path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        string query = q < 0 ? "" : pathAndQuery[(q + 1)..];
        string text = HmacSignature.BuildStringToSign(request.Method.Method, path, query, _keyId, nonce, signed);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", HmacSignature.FormatAuthorization(_keyId, nonce, _headers, HmacSignature.Sign(_secret, text)));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static string HeaderValue(HttpRequestMessage request, string name)
    {
        if (name == "host")
        {
            return request.Headers.Host ?? request.RequestUri?.Authority ?? "";
        }

        if (request.Headers.NonValidated.TryGetValues(name, out var values)
            || (request.Content is not null && request.Content.Headers.NonValidated.TryGetValues(name, out values)))
        {
            return string.Join(", ", values);
        }

        return "";
    }
}
