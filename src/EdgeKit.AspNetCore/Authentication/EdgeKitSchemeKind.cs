namespace EdgeKit.AspNetCore.Authentication;

/// <summary>Which kind of EdgeKit scheme a <see cref="EdgeKitSchemeMarker"/> marks.</summary>
internal enum EdgeKitSchemeKind
{
    ApiKey,
    Hmac,
}
