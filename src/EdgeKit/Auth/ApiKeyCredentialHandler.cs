using EdgeKit.Configuration;

namespace EdgeKit.Auth;

/// <summary>Attaches an API key header to every request, replacing any value the request already had.</summary>
internal sealed class ApiKeyCredentialHandler : DelegatingHandler
{
    private readonly string _headerName;
    private readonly string _key;

    public ApiKeyCredentialHandler(ApiKeyCredentialOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _headerName = options.HeaderName;
        _key = options.Key;
    }

    public static void Validate(ApiKeyCredentialOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.HeaderName) || !HeaderText.IsToken(options.HeaderName))
        {
            throw new ArgumentException($"ApiKeyCredentialOptions.HeaderName must be a valid header name, was '{options.HeaderName}'.", nameof(options));
        }

        if (string.IsNullOrEmpty(options.Key) || !HeaderText.IsVisibleAscii(options.Key))
        {
            throw new ArgumentException("ApiKeyCredentialOptions.Key must be set, with visible ASCII characters only.", nameof(options));
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Remove(_headerName);
        request.Headers.TryAddWithoutValidation(_headerName, _key);
        return base.SendAsync(request, cancellationToken);
    }
}
