namespace EdgeKit.AspNetCore.Authentication;

/// <summary>One API key in configuration: its hash and what it grants. The key itself is never stored.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The SHA-256 of the key, 64 hexadecimal characters (<c>EdgeKit.Auth.ApiKeyHash.Compute(key)</c>, or <c>printf %s "$KEY" | sha256sum</c>). Required.</summary>
    public string Hash { get; set; } = "";

    /// <summary>The client the key identifies; becomes the <c>client_id</c> claim and the user's name. Required.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The scopes granted; each becomes a <c>scope</c> claim. Default none.</summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary>The rate-limit tier; becomes the <c>edgekit:tier</c> claim. Default none.</summary>
    public string? Tier { get; set; }

    /// <summary>Roles granted; each becomes a role claim. Default none.</summary>
    public IList<string> Roles { get; set; } = [];

    /// <summary>Whether the key is revoked: presenting it fails, and is logged as such. Default <see langword="false"/>.</summary>
    public bool Revoked { get; set; }

    /// <summary>The moment after which the key is refused (for rotation), or <see langword="null"/> for never.</summary>
    public DateTimeOffset? NotAfter { get; set; }
}
