using EdgeKit.AspNetCore.Authentication;
using EdgeKit.AspNetCore.Authorization;
using EdgeKit.AspNetCore.Tls;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeKit.Gateway;

/// <summary>Builds the gateway described by one file (gateway.json): the <c>EdgeKit</c> section, <c>Host</c>, <c>Kestrel</c> and <c>Logging</c>.</summary>
internal static class GatewayApp
{
    /// <summary>Settings the host turns on unless the file says otherwise.</summary>
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        // RFC 9110 §7.6.3: a proxy adds Via; a pseudonym, never the host name.
        ["EdgeKit:Forwarder:Via"] = "edgekit",
    };

    /// <summary>The prefix of environment variables that override the file (<c>EDGEKIT_EdgeKit__Authentication__Hmac__Keys__p1__Secret</c>).</summary>
    public const string EnvironmentPrefix = "EDGEKIT_";

    /// <summary>The port the gateway listens on, on every address, when the file has no <c>Kestrel:Endpoints</c>.</summary>
    public const int DefaultPort = 8080;

    /// <summary>Builds the gateway from <paramref name="path"/>. With <paramref name="checkOnly"/>, nothing listens: starting it runs every check.</summary>
    /// <param name="path">The file.</param>
    /// <param name="checkOnly">Replace the server by one that does not listen (for <c>edgekit check</c>).</param>
    /// <param name="logging">Replaces the console logging (tests).</param>
    /// <param name="applyToProcess">
    /// Also apply what is process-wide (<c>Host:InlineIo:SocketCompletions</c>, an environment variable the runtime reads
    /// before the first socket): for <c>edgekit run</c>, which builds the app before any socket exists; never in tests.
    /// </param>
    public static WebApplication Build(string path, bool checkOnly = false, Action<ILoggingBuilder>? logging = null, bool applyToProcess = false)
    {
        var full = Path.GetFullPath(path);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = Path.GetDirectoryName(full),
            Args = [],
        });

        var configuration = builder.Configuration;
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(s_defaults);
        configuration.AddJsonFile(full, optional: false, reloadOnChange: !checkOnly);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);

        var host = ReadLeniently(configuration.GetSection(HostSettings.SectionName));
        if (applyToProcess)
        {
            InlineIo.ApplyToProcess(host.InlineIo);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else if (host.LogFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        var services = builder.Services;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = host.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = host.InlineIo.Scheduling);
        if (host.InlineIo.EdgeKitSockets)
        {
            // After UseSockets: Kestrel tries the transport registered last first (Unix sockets stay on its own).
            builder.WebHost.UseEdgeKitSockets(o =>
            {
                o.UnsafeInlineCompletions = host.InlineIo.Scheduling;
                // The backend switch is process-wide: like SocketCompletions, only for `edgekit run`.
                o.BackendConnections = applyToProcess;
            });
        }

        if (!configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            // Not UseUrls: that writes a `urls` key into the configuration, which the strict check refuses.
            builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(DefaultPort));
        }

        if (checkOnly)
        {
            services.AddSingleton<IServer, CheckOnlyServer>();
        }

        var edgeKitSection = configuration.GetSection("EdgeKit");
        var edgeKit = services.AddEdgeKit().AddGateway(edgeKitSection);
        StrictBinding.Add<HostSettings>(services, null, configuration.GetSection(HostSettings.SectionName), HostSettingsShapes.Host, (c, o) => c.Bind(o));
        StrictBinding.AddSection(services, configuration, HostSettingsShapes.Root);
        services.AddOptions<HostSettings>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<HostSettings>, HostSettingsValidator>();
        services.AddHostedService<RestartRequiredWatcher>();

        // Authentication presets: each one present in the file at start (adding or removing one needs a restart).
        var authentication = services.AddAuthentication();
        var presets = edgeKitSection.GetSection("Authentication");
        if (presets.GetSection("Jwt").Exists())
        {
            authentication.AddEdgeKitJwt(presets.GetSection("Jwt"));
        }

        if (presets.GetSection("ApiKeys").Exists())
        {
            authentication.AddEdgeKitApiKeys(presets.GetSection("ApiKeys"));
        }

        if (presets.GetSection("Hmac").Exists())
        {
            authentication.AddEdgeKitHmac(presets.GetSection("Hmac"));
        }

        services.AddAuthorization();
        edgeKit.AddAuthorizationPolicies(edgeKitSection.GetSection("Authorization"));

        services.AddCors(o =>
        {
            foreach (var (name, policy) in host.Cors)
            {
                if (name.Equals("default", StringComparison.OrdinalIgnoreCase))
                {
                    o.AddDefaultPolicy(p => Apply(p, policy));
                }
                else
                {
                    o.AddPolicy(name, p => Apply(p, policy));
                }
            }
        });

        // TLS: every HTTPS endpoint of the Kestrel section terminates with the Host:Tls certificates (chosen per host name,
        // reloaded when their files change).
        if (host.Tls.Certificates.Count > 0)
        {
            services.AddSingleton(sp => new EdgeKitServerCertificates(host.Tls, $"{HostSettings.SectionName}:Tls", sp.GetRequiredService<ILogger<EdgeKitServerCertificates>>()));
            services.AddOptions<KestrelServerOptions>().Configure<EdgeKitServerCertificates>((kestrel, certificates) =>
                kestrel.ConfigureHttpsDefaults(https => https.UseEdgeKitTls(certificates, host.Tls)));
        }

        AddTelemetry(services, host.Telemetry);
        if (host.Redis.Configuration is { Length: > 0 } redis)
        {
            edgeKit.AddRedisRateLimiting(redis);
        }

        var app = builder.Build();
        app.UseEdgeKitRouteTls(host.Tls);
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGet(host.Health.LivePath, () => Results.Text("live\n")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(host.Health.ReadyPath, (ClusterRegistry registry) => Readiness(registry)).AllowAnonymous().ExcludeFromDescription();
        app.MapEdgeKit();
        // The host's settings are checked here, beside the policies the status API and dashboard name (which their Map
        // calls resolve now), so that the problems of both are listed together.
        var problems = new List<string>();
        try
        {
            _ = app.Services.GetRequiredService<IOptions<HostSettings>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            problems.AddRange(ex.Failures);
        }

        try
        {
            _ = app.Services.GetService<EdgeKitServerCertificates>();
        }
        catch (EdgeKitConfigurationException ex)
        {
            problems.AddRange(ex.Errors);
        }

        try
        {
            if (host.Status.Policy is { Length: > 0 } statusPolicy)
            {
                app.MapEdgeKitStatus(statusPolicy, host.Status.Path ?? EndpointRouteBuilderEdgeKitStatusExtensions.DefaultStatusPath);
            }

            if (host.Telemetry.Prometheus.Enabled)
            {
                app.MapPrometheusScrapingEndpoint(host.Telemetry.Prometheus.Path)
                    .RequireEdgeKitPolicy(host.Telemetry.Prometheus.Policy, app.Services, $"{HostSettings.SectionName}:Telemetry:Prometheus:Policy");
            }

            if (host.Dashboard.Policy is { Length: > 0 } dashboardPolicy)
            {
                app.MapEdgeKitDashboard(dashboardPolicy, host.Dashboard.Path ?? EndpointRouteBuilderEdgeKitDashboardExtensions.DefaultDashboardPath);
            }
        }
        catch (EdgeKitConfigurationException ex)
        {
            problems.AddRange(ex.Errors);
        }
        catch (OptionsValidationException ex)
        {
            problems.AddRange(ex.Failures);
        }

        if (problems.Count > 0)
        {
            throw new EdgeKitConfigurationException(problems.Distinct(StringComparer.Ordinal).ToList());
        }

        return app;
    }

    /// <summary>
    /// OpenTelemetry: the <c>EdgeKit</c> meter and activity source, with ASP.NET Core's and HttpClient's own, to a
    /// Prometheus scrape endpoint and/or an OTLP collector, as the file chooses; nothing when it chooses neither.
    /// </summary>
    private static void AddTelemetry(IServiceCollection services, TelemetrySettings telemetry)
    {
        bool prometheus = telemetry.Prometheus.Enabled;
        var otlp = telemetry.Otlp.Endpoint;
        bool otlpMetrics = otlp is not null && telemetry.Otlp.Metrics;
        bool otlpTraces = otlp is not null && telemetry.Otlp.Traces;
        if (!prometheus && !otlpMetrics && !otlpTraces)
        {
            return;
        }

        var protocol = telemetry.Otlp.Protocol == OtlpTransport.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        void Exporter(OtlpExporterOptions o, string signal)
        {
            o.Protocol = protocol;
            o.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(otlp!, signal) : otlp!;
        }

        var builder = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(telemetry.ServiceName));
        if (prometheus || otlpMetrics)
        {
            builder.WithMetrics(m =>
            {
                m.AddMeter(EdgeKit.Telemetry.EdgeKitTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http");
                if (prometheus)
                {
                    m.AddPrometheusExporter();
                }

                if (otlpMetrics)
                {
                    m.AddOtlpExporter(o => Exporter(o, "v1/metrics"));
                }
            });
        }

        if (otlpTraces)
        {
            builder.WithTracing(t => t
                .AddSource(EdgeKit.Telemetry.EdgeKitTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http")
                .AddOtlpExporter(o => Exporter(o, "v1/traces")));
        }
    }

    /// <summary>200 when every cluster has an available destination; 503 naming those that have none.</summary>
    internal static IResult Readiness(ClusterRegistry registry)
    {
        var unavailable = registry.Clusters
            .Where(c => c.Snapshot.AvailableDestinations.IsEmpty)
            .Select(c => c.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        return unavailable.Count == 0
            ? Results.Text("ready\n")
            : Results.Text($"not ready: no available destination in {string.Join(", ", unavailable)}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The addresses the gateway listens on, once started.</summary>
    public static IReadOnlyCollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>
    /// The host's settings for building the app, before the strict check has run: the defaults when the section has a
    /// problem (the check then fails the start, naming it).
    /// </summary>
    private static HostSettings ReadLeniently(IConfigurationSection section)
    {
        var settings = new HostSettings();
        if (HostSettingsShapes.Host.Check(section).Count == 0)
        {
            section.Bind(settings);
        }

        return settings;
    }

    private static void Apply(Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder builder, CorsPolicySettings policy)
    {
        if (policy.Origins.Contains("*"))
        {
            builder.AllowAnyOrigin();
        }
        else
        {
            builder.WithOrigins([.. policy.Origins]);
        }

        if (policy.Methods.Count == 0)
        {
            builder.AllowAnyMethod();
        }
        else
        {
            builder.WithMethods([.. policy.Methods]);
        }

        if (policy.Headers.Count == 0)
        {
            builder.AllowAnyHeader();
        }
        else
        {
            builder.WithHeaders([.. policy.Headers]);
        }

        builder.WithExposedHeaders([.. policy.ExposedHeaders]);
        if (policy.AllowCredentials)
        {
            builder.AllowCredentials();
        }

        if (policy.PreflightMaxAge is { } maxAge)
        {
            builder.SetPreflightMaxAge(maxAge);
        }
    }
}

/// <summary>The server of <c>edgekit check</c>: starting it listens nowhere, so every start check runs without taking a port.</summary>
internal sealed class CheckOnlyServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
