namespace EdgeKit.AspNetCore.Authentication;

/// <summary>The default names of EdgeKit's authentication schemes; routes and policies refer to schemes by these names.</summary>
public static class EdgeKitAuthenticationSchemes
{
    /// <summary>The JWT bearer scheme: <c>Bearer</c> (ASP.NET's <c>JwtBearerDefaults.AuthenticationScheme</c>).</summary>
    public const string Jwt = "Bearer";

    /// <summary>The API key scheme: <c>ApiKey</c>.</summary>
    public const string ApiKey = "ApiKey";

    /// <summary>The HMAC request-signing scheme: <c>EdgeKit-HMAC</c>.</summary>
    public const string Hmac = "EdgeKit-HMAC";
}
