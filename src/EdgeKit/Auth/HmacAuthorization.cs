namespace EdgeKit.Auth;

/// <summary>The parameters of an <c>EdgeKit-HMAC-SHA256</c> authorization header.</summary>
/// <param name="KeyId">The key id.</param>
/// <param name="Nonce">The nonce, unique per request within the clock-skew window.</param>
/// <param name="SignedHeaders">The signed headers' names, in order.</param>
/// <param name="Signature">The base64 signature.</param>
public readonly record struct HmacAuthorization(string KeyId, string Nonce, IReadOnlyList<string> SignedHeaders, string Signature);
