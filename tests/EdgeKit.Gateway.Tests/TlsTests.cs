using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using EdgeKit.Gateway.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeKit.Gateway.Tests;

/// <summary>TLS termination from gateway.json: SNI certificates from PEM and PFX files, reload, redirect, HSTS, mTLS.</summary>
public sealed class TlsTests
{
    private static async Task<(SslStream Stream, X509Certificate2 Certificate)> ConnectAsync(string address, string hostName, SslProtocols protocols = SslProtocols.None)
    {
        var uri = new Uri(address);
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, uri.Port);
        X509Certificate2? seen = null;
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = hostName,
            EnabledSslProtocols = protocols,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = new X509Certificate2(certificate!);
                return true;
            },
        });
        return (ssl, seen!);
    }

    /// <summary>Sends a GET on an open connection and reads one response: its status line and body ("HTTP/1.1 200 OK hello").</summary>
    private static async Task<string> GetAsync(Stream stream, string hostName, string path)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {hostName}\r\n\r\n"));
        var reader = new ResponseReader(stream);
        string status = await reader.LineAsync();
        long? length = null;
        bool chunked = false;
        for (string line = await reader.LineAsync(); line.Length > 0; line = await reader.LineAsync())
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = long.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
        }

        var body = new StringBuilder();
        if (chunked)
        {
            for (int size = Convert.ToInt32(await reader.LineAsync(), 16); size > 0; size = Convert.ToInt32(await reader.LineAsync(), 16))
            {
                body.Append(await reader.ReadAsync(size));
                await reader.LineAsync();
            }

            await reader.LineAsync();
        }
        else
        {
            body.Append(await reader.ReadAsync((int)(length ?? 0)));
        }

        return status + " " + body;
    }

    private sealed class ResponseReader(Stream stream)
    {
        private readonly byte[] _one = new byte[1];

        public async Task<string> LineAsync()
        {
            var line = new StringBuilder();
            while (true)
            {
                char c = await NextAsync();
                if (c == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append(c);
            }
        }

        public async Task<string> ReadAsync(int count)
        {
            var text = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                text.Append(await NextAsync());
            }

            return text.ToString();
        }

        private async Task<char> NextAsync()
        {
            int read = await stream.ReadAsync(_one).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0)
            {
                throw new EndOfStreamException("The connection closed.");
            }

            return (char)_one[0];
        }
    }

    [Fact]
    public async Task Certificates_are_chosen_by_host_name_and_a_replaced_file_is_used_for_new_connections_while_an_open_one_keeps_working()
    {
        await using var backend = await Backend.StartAsync(app => app.MapGet("/hello", () => "hello"));
        using var folder = new TempFolder();
        using var api = TestCertificates.Server("api.example.com");
        using var fallback = TestCertificates.Server("fallback.example.com");
        var apiCert = Path.Combine(folder.Path, "api.pem");
        var apiKey = Path.Combine(folder.Path, "api.key");
        var fallbackPfx = Path.Combine(folder.Path, "fallback.pfx");
        TestCertificates.WritePem(api, apiCert, apiKey);
        TestCertificates.WritePfx(fallback, fallbackPfx, "secret");
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "https": { "Url": "https://127.0.0.1:0" } } },
              "Host": { "Tls": { "Certificates": {
                "api.example.com": { "Path": {{JsonSerializer.Serialize(apiCert)}}, "KeyPath": {{JsonSerializer.Serialize(apiKey)}} },
                "*": { "Path": {{JsonSerializer.Serialize(fallbackPfx)}}, "Password": "secret" } } } },
              "EdgeKit": {
                "Clusters": { "b": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": { "hello": { "Match": { "Path": "/hello" }, "Cluster": "b" } }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);

        var (open, first) = await ConnectAsync(gateway.Address, "api.example.com");
        await using var _ = open;
        first.Thumbprint.Should().Be(api.Thumbprint);
        (await GetAsync(open, "api.example.com", "/hello")).Should().Be("HTTP/1.1 200 OK hello");
        var (other, otherCertificate) = await ConnectAsync(gateway.Address, "www.example.org");
        await other.DisposeAsync();
        otherCertificate.Thumbprint.Should().Be(fallback.Thumbprint);

        // The certificate is renewed on disk: new handshakes get the new one; the connection already open is not dropped.
        using var renewed = TestCertificates.Server("api.example.com");
        TestCertificates.WritePem(renewed, apiCert, apiKey);
        string? seen = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && seen != renewed.Thumbprint)
        {
            var (probe, certificate) = await ConnectAsync(gateway.Address, "api.example.com");
            await probe.DisposeAsync();
            seen = certificate.Thumbprint;
            await Task.Delay(50);
        }

        seen.Should().Be(renewed.Thumbprint);
        (await GetAsync(open, "api.example.com", "/hello")).Should().Be("HTTP/1.1 200 OK hello");
        (await EventuallyLogged(gateway, "TLS certificates reloaded")).Should().BeTrue();
    }

    [Fact]
    public async Task Routes_redirect_to_HTTPS_send_HSTS_and_require_a_verified_client_certificate_whose_subject_is_forwarded()
    {
        await using var backend = await Backend.StartAsync(app =>
        {
            app.MapGet("/web", () => "web");
            app.MapGet("/partner", (HttpContext c) => "subject=" + c.Request.Headers["X-Client-Cert-Subject"]);
        });
        using var folder = new TempFolder();
        using var server = TestCertificates.Server("gateway.test");
        using var authority = TestCertificates.Authority("Partners CA");
        using var otherAuthority = TestCertificates.Authority("Someone else");
        using var client = TestCertificates.Client(authority, "CN=partner-1, O=Partner");
        using var stranger = TestCertificates.Client(otherAuthority, "CN=partner-1, O=Partner");
        var serverCert = Path.Combine(folder.Path, "server.pem");
        var serverKey = Path.Combine(folder.Path, "server.key");
        TestCertificates.WritePem(server, serverCert, serverKey);
        var caFile = folder.Write("partners-ca.pem", authority.ExportCertificatePem());
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "http": { "Url": "http://127.0.0.1:0" }, "https": { "Url": "https://127.0.0.1:0" } } },
              "Host": { "Tls": {
                "Certificates": { "*": { "Path": {{JsonSerializer.Serialize(serverCert)}}, "KeyPath": {{JsonSerializer.Serialize(serverKey)}} } },
                "MinimumVersion": "Tls13",
                "ClientCertificates": "Optional",
                "ClientCertificateAuthorities": [ {{JsonSerializer.Serialize(caFile)}} ] } },
              "EdgeKit": {
                "Clusters": { "b": { "Destinations": { "a": { "Address": "{{backend.Address}}" } } } },
                "Routes": {
                  "web": { "Match": { "Path": "/web" }, "Cluster": "b", "HttpsRedirect": true, "Hsts": "365.00:00:00" },
                  "partner": { "Match": { "Path": "/partner" }, "Cluster": "b", "RequireClientCertificate": true }
                }
              }
            }
            """);
        await using var gateway = await RunningGateway.StartAsync(file);
        var addresses = GatewayApp.Addresses(gateway.App);
        var http = addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)).TrimEnd('/');
        var https = addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)).TrimEnd('/');

        HttpClient Client(X509Certificate2? certificate) => new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && new X509Certificate2(c).Thumbprint == server.Thumbprint,
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
            },
        });

        using var plain = Client(null);
        using var redirect = await plain.GetAsync($"{http}/web?x=1");
        redirect.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
        redirect.Headers.Location.Should().Be(new Uri($"{https}/web?x=1"));
        redirect.Headers.Contains("Strict-Transport-Security").Should().BeFalse("HSTS is only sent over HTTPS (RFC 6797 §7.2)");

        using var secure = await plain.GetAsync($"{https}/web");
        (await secure.Content.ReadAsStringAsync()).Should().Be("web");
        secure.Headers.GetValues("Strict-Transport-Security").Single().Should().Be("max-age=31536000");

        // Without a client certificate: 403, and a forged subject header never reaches the backend.
        using var forged = new HttpRequestMessage(HttpMethod.Get, $"{https}/partner");
        forged.Headers.Add("X-Client-Cert-Subject", "CN=admin");
        using var refused = await plain.SendAsync(forged);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await refused.Content.ReadAsStringAsync()).Should().Contain("\"type\":\"urn:edgekit:problem:client-certificate-required\"");

        using (var partner = Client(client))
        {
            using var forgedToo = new HttpRequestMessage(HttpMethod.Get, $"{https}/partner");
            forgedToo.Headers.Add("X-Client-Cert-Subject", "CN=admin");
            using var accepted = await partner.SendAsync(forgedToo);
            accepted.StatusCode.Should().Be(HttpStatusCode.OK);
            (await accepted.Content.ReadAsStringAsync()).Should().Be("subject=CN=partner-1, O=Partner");
        }

        // A certificate from an authority the gateway does not trust fails the handshake.
        using (var untrusted = Client(stranger))
        {
            var act = () => untrusted.GetAsync($"{https}/partner");
            await act.Should().ThrowAsync<HttpRequestException>();
        }

        // TLS 1.2 is below the minimum version.
        var tls12 = () => ConnectAsync(https, "gateway.test", SslProtocols.Tls12);
        await tls12.Should().ThrowAsync<Exception>();
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_fails_the_check_naming_its_key()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "missing.pem");
        var garbage = folder.Write("garbage.pem", "not a certificate");
        var file = folder.Write("gateway.json", $$"""
            {
              "Kestrel": { "Endpoints": { "https": { "Url": "https://127.0.0.1:0" } } },
              "Host": { "Tls": {
                "Certificates": { "api.example.com": { "Path": {{JsonSerializer.Serialize(missing)}} }, "*": { "Path": {{JsonSerializer.Serialize(garbage)}} }, "a.*.com": { "Subject": "x", "Store": "My" } },
                "ClientCertificates": "Optional" } },
              "EdgeKit": { }
            }
            """);

        var (exit, output, _) = await CheckTests.RunAsync("check", file);

        output.Should().StartWith($"""
            {file}: 4 errors:
              `Host:Tls:Certificates:*`: the certificate '{garbage}' cannot be loaded (
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        output.Should().EndWith($"""
              `Host:Tls:Certificates:a.*.com`: 'a.*.com' is not a host name; write api.example.com, *.example.com (one label) or * (any other).
              `Host:Tls:Certificates:api.example.com:Path`: the file '{missing}' does not exist.
              `Host:Tls:ClientCertificateAuthorities`: client certificates are asked for (Optional) but no authority is trusted to issue them; list the CA certificates' PEM files.

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        exit.Should().Be(1);
    }

    private static async Task<bool> EventuallyLogged(RunningGateway gateway, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (gateway.Logs.Entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
