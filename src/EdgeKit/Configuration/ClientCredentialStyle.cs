namespace EdgeKit.Configuration;

/// <summary>How a client authenticates to an OAuth 2.0 token endpoint.</summary>
public enum ClientCredentialStyle
{
    /// <summary>HTTP Basic authentication with the form-encoded client id and secret (RFC 6749 §2.3.1).</summary>
    BasicAuthentication,

    /// <summary><c>client_id</c> and <c>client_secret</c> in the form body.</summary>
    RequestBody,
}
