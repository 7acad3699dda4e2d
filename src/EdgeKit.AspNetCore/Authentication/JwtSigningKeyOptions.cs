namespace EdgeKit.AspNetCore.Authentication;

/// <summary>A static JWT signing key: a PEM public key (RSA or EC), or, only with <see cref="EdgeKitJwtOptions.AllowSymmetricKeys"/>, a symmetric secret.</summary>
public sealed class JwtSigningKeyOptions
{
    /// <summary>The key id tokens name in their <c>kid</c> header. Required.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>An RSA or EC public key in PEM (<c>-----BEGIN PUBLIC KEY-----</c>).</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>A symmetric key, base64-encoded, at least 32 bytes; accepted only with <see cref="EdgeKitJwtOptions.AllowSymmetricKeys"/>.</summary>
    public string? SymmetricKey { get; set; }
}
