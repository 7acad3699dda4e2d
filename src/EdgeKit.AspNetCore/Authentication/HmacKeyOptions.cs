namespace EdgeKit.AspNetCore.Authentication;

/// <summary>One HMAC signing key: the shared secret and what it grants. Unlike an API key, the secret itself must be held to verify signatures: keep it in a secret store.</summary>
public sealed class HmacKeyOptions
{
    /// <summary>The shared secret, base64-encoded, at least 32 bytes. Required.</summary>
    public string Secret { get; set; } = "";

    /// <summary>The client the key identifies; becomes the <c>client_id</c> claim. Required.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The scopes granted; each becomes a <c>scope</c> claim.</summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary>The rate-limit tier; becomes the <c>edgekit:tier</c> claim.</summary>
    public string? Tier { get; set; }

    /// <summary>Whether the key is revoked. Default <see langword="false"/>.</summary>
    public bool Revoked { get; set; }
}
