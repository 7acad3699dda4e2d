namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>What happens to the caller's <c>Authorization</c> header on its way to the backend.</summary>
public enum TokenForwarding
{
    /// <summary>Removed: the backend trusts the gateway and reads the identity headers (the default).</summary>
    Strip,

    /// <summary>Passed on unchanged, for backends that validate the token themselves.</summary>
    Relay,
}
