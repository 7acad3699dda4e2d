namespace EdgeKit.Auth;

/// <summary>Settings of the handler that signs every outgoing request with <see cref="HmacSignature"/>.</summary>
public sealed class HmacSigningOptions
{
    /// <summary>The key id the server knows the secret by. Required.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>The shared secret, base64-encoded; at least 32 bytes once decoded. Required. Keep it out of source control.</summary>
    public string Secret { get; set; } = "";

    /// <summary>
    /// Headers signed besides <c>date</c> and <c>content-digest</c> (which always are), for example <c>host</c> or
    /// <c>content-type</c>. A listed header the request lacks is signed with an empty value. Default none.
    /// </summary>
    public IList<string> SignedHeaders { get; set; } = [];
}
