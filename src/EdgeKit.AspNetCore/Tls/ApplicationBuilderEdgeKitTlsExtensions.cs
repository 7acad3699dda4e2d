using EdgeKit.AspNetCore.Tls;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The gateway routes' TLS settings on an <see cref="IApplicationBuilder"/>.</summary>
public static class ApplicationBuilderEdgeKitTlsExtensions
{
    /// <summary>
    /// Applies the routes' <c>HttpsRedirect</c> (308 to HTTPS), <c>Hsts</c> (<c>Strict-Transport-Security</c> on HTTPS
    /// answers) and <c>RequireClientCertificate</c> (403 without a verified client certificate), and sets the client
    /// certificate subject header from the verified certificate (removing any copy the client sent). Call it after
    /// routing and before authentication. Without <paramref name="options"/>, no subject header and the redirect port
    /// is the server's first HTTPS address's.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <param name="options">The TLS settings (the header name and redirect port); optional.</param>
    /// <returns>The application builder.</returns>
    public static IApplicationBuilder UseEdgeKitRouteTls(this IApplicationBuilder app, EdgeKitTlsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<EdgeKitRouteTlsMiddleware>(options ?? new EdgeKitTlsOptions { ClientCertificateHeader = string.Empty });
    }
}
