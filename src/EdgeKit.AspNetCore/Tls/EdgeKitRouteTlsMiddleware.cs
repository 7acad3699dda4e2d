using System.Globalization;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.AspNetCore.Tls;

/// <summary>
/// The routes' TLS settings: <see cref="Configuration.GatewayRouteOptions.HttpsRedirect"/>, <see cref="Configuration.GatewayRouteOptions.Hsts"/>,
/// <see cref="Configuration.GatewayRouteOptions.RequireClientCertificate"/>; and, on every request, the client certificate subject
/// header (<see cref="EdgeKitTlsOptions.ClientCertificateHeader"/>): removed when it comes from the client, set from the
/// certificate the TLS handshake verified.
/// </summary>
internal sealed class EdgeKitRouteTlsMiddleware(RequestDelegate next, EdgeKitTlsOptions options, IServer server)
{
    /// <summary>The problem type of a route that requires a client certificate, asked without one.</summary>
    public const string ClientCertificateRequiredType = "urn:edgekit:problem:client-certificate-required";

    private readonly string? _header = options.ClientCertificateHeader is { Length: > 0 } h ? h : null;
    private int _httpsPort = options.HttpsPort ?? 0;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (_header is not null)
        {
            request.Headers.Remove(_header);
            if (context.Connection.ClientCertificate is { } certificate && IsHeaderSafe(certificate.Subject))
            {
                // Kestrel accepted the certificate: it verified against the configured authorities during the handshake.
                request.Headers[_header] = certificate.Subject;
            }
        }

        var route = context.GetEndpoint()?.Metadata.GetMetadata<GatewayRouteMetadata>()?.Route.Options;
        if (route is null)
        {
            return next(context);
        }

        if (!request.IsHttps)
        {
            if (route.HttpsRedirect)
            {
                context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
                context.Response.Headers.Location = HttpsLocation(request);
                return Task.CompletedTask;
            }
        }
        else if (route.Hsts is { } maxAge)
        {
            string value = "max-age=" + ((long)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            context.Response.OnStarting(static state =>
            {
                var (response, hsts) = ((HttpResponse, string))state;
                response.Headers.StrictTransportSecurity = hsts;
                return Task.CompletedTask;
            }, (context.Response, value));
        }

        if (route.RequireClientCertificate && context.Connection.ClientCertificate is null)
        {
            return GatewayProblem.WriteAsync(context, StatusCodes.Status403Forbidden, ClientCertificateRequiredType,
                "A client certificate is required", "This route requires a client certificate that the gateway verifies (mutual TLS).");
        }

        return next(context);
    }

    private string HttpsLocation(HttpRequest request)
    {
        int port = _httpsPort;
        if (port == 0)
        {
            port = HttpsPortOf(server);
            _httpsPort = port;
        }

        string host = request.Host.Host;
        string authority = port is 0 or 443 ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
        if (host.Contains(':', StringComparison.Ordinal))
        {
            authority = port is 0 or 443 ? $"[{host}]" : $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}";
        }

        return $"https://{authority}{request.PathBase}{request.Path}{request.QueryString}";
    }

    private static int HttpsPortOf(IServer server)
    {
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            if (address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                int colon = address.LastIndexOf(':');
                if (colon > "https://".Length && int.TryParse(address.AsSpan(colon + 1).TrimEnd('/'), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
                {
                    return port;
                }
            }
        }

        return 0;
    }

    private static bool IsHeaderSafe(string value)
    {
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
