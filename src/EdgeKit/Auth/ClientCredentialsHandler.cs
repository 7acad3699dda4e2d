using System.Net.Http.Headers;

namespace EdgeKit.Auth;

/// <summary>Attaches the client's cached client-credentials access token to every request as <c>Authorization: Bearer</c>.</summary>
internal sealed class ClientCredentialsHandler(ClientCredentialsTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
