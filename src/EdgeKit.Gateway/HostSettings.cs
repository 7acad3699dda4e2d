namespace EdgeKit.Gateway;

/// <summary>
/// The host's own section of gateway.json (<c>Host</c>): what the EdgeKit library does not configure because an
/// application does it in code (logging, shutdown, health endpoints, CORS, the dashboard, Redis). Bound strictly, like
/// the <c>EdgeKit</c> section: an unknown key or a value that does not convert fails the start (and <c>edgekit check</c>).
/// </summary>
internal sealed class HostSettings
{
    /// <summary>The section's name in gateway.json.</summary>
    public const string SectionName = "Host";

    /// <summary>How log entries are written to the console. Default <see cref="LogFormat.Json"/> (one JSON object per line).</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Json;

    /// <summary>How long a stop (SIGTERM, Ctrl+C) waits for requests in flight to finish before closing connections. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The gateway's own health endpoints.</summary>
    public HealthEndpointSettings Health { get; set; } = new();

    /// <summary>The status API (JSON); off unless <see cref="EndpointSettings.Policy"/> is set.</summary>
    public EndpointSettings Status { get; set; } = new();

    /// <summary>The dashboard (HTML); off unless <see cref="EndpointSettings.Policy"/> is set.</summary>
    public EndpointSettings Dashboard { get; set; } = new();

    /// <summary>CORS policies by name, named by routes' <c>CorsPolicy</c>; the name <c>default</c> is the default policy.</summary>
    public Dictionary<string, CorsPolicySettings> Cors { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The Redis connection, for rate-limit policies whose <c>Store</c> is <c>redis</c>.</summary>
    public RedisSettings Redis { get; set; } = new();

    /// <summary>TLS termination on the HTTPS endpoints of <c>Kestrel:Endpoints</c>: certificates per host name, versions, client certificates.</summary>
    public EdgeKit.AspNetCore.Tls.EdgeKitTlsOptions Tls { get; set; } = new();

    /// <summary>Where the <c>EdgeKit</c> meter and activity source (and ASP.NET Core's and HttpClient's) are exported.</summary>
    public TelemetrySettings Telemetry { get; set; } = new();

    /// <summary>Whether socket I/O continues on the thread that saw it complete instead of going through the thread pool.</summary>
    public InlineIoSettings InlineIo { get; set; } = new();
}

/// <summary>
/// Inline I/O: the gateway's own work per request is short and never blocks, so running it on the thread that saw the
/// socket complete saves a thread-pool hand-off (and its context switch) per read. Both on by default; turn one off
/// when code added to the gateway (a custom middleware, a synchronous call) could block, since blocking then stalls
/// every connection served by that thread.
/// </summary>
internal sealed class InlineIoSettings
{
    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c>: the request pipeline runs on the socket's
    /// completion thread instead of being queued to the thread pool. Default <see langword="true"/>.
    /// </summary>
    public bool Scheduling { get; set; } = true;

    /// <summary>
    /// The runtime's <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> for the gateway process: socket completions
    /// (Kestrel's and the backend connections') run on the socket engine's epoll thread instead of being queued to the
    /// thread pool. The runtime reads the variable once, before the process's first socket, so the host sets it before it
    /// creates any. Default <see langword="true"/>.
    /// </summary>
    public bool SocketCompletions { get; set; } = true;

    /// <summary>
    /// Kestrel's TCP endpoints on EdgeKit's socket transport (<c>UseEdgeKitSockets</c>, Linux only; elsewhere nothing
    /// changes): connections do their I/O on EdgeKit's epoll engine, which reads a socket only when it has bytes (one
    /// system call fewer per read that waits), and EdgeKit's cleartext HTTP/1.1 backend connections join them on the
    /// same loop threads. <see cref="Scheduling"/> then means the transport's <c>UnsafeInlineCompletions</c>: the request
    /// pipeline runs on the loop thread. Default <see langword="true"/> (the host's inline I/O, issue 20); <see langword="false"/>
    /// keeps .NET's sockets.
    /// </summary>
    public bool EdgeKitSockets { get; set; } = true;
}

/// <summary>The OpenTelemetry exporters.</summary>
internal sealed class TelemetrySettings
{
    /// <summary>The <c>service.name</c> resource attribute. Default <c>edgekit-gateway</c>.</summary>
    public string ServiceName { get; set; } = "edgekit-gateway";

    /// <summary>A Prometheus scrape endpoint on the gateway's own ports.</summary>
    public PrometheusSettings Prometheus { get; set; } = new();

    /// <summary>An OTLP exporter (to an OpenTelemetry collector).</summary>
    public OtlpSettings Otlp { get; set; } = new();
}

/// <summary>The Prometheus scrape endpoint.</summary>
internal sealed class PrometheusSettings
{
    /// <summary>Whether metrics are served for scraping. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>The path. Default <c>/metrics</c>.</summary>
    public string Path { get; set; } = "/metrics";

    /// <summary>The authorization policy a scraper must pass (from <c>EdgeKit:Authorization:Policies</c>, <c>default</c> or <c>anonymous</c>). Default <c>anonymous</c>.</summary>
    public string Policy { get; set; } = "anonymous";
}

/// <summary>The OTLP exporter.</summary>
internal sealed class OtlpSettings
{
    /// <summary>The collector's address (<c>http://collector:4317</c> for gRPC, <c>http://collector:4318</c> for HTTP); not set: no OTLP export.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The OTLP transport. Default <see cref="OtlpTransport.Grpc"/>.</summary>
    public OtlpTransport Protocol { get; set; } = OtlpTransport.Grpc;

    /// <summary>Whether metrics are exported. Default <see langword="true"/>.</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>Whether traces are exported. Default <see langword="true"/>.</summary>
    public bool Traces { get; set; } = true;
}

/// <summary>The OTLP transport.</summary>
internal enum OtlpTransport
{
    /// <summary>OTLP over gRPC (port 4317 by convention).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (port 4318 by convention; <c>/v1/metrics</c>, <c>/v1/traces</c> are added).</summary>
    HttpProtobuf,
}

/// <summary>How log entries are written to the console.</summary>
internal enum LogFormat
{
    /// <summary>One JSON object per entry and line (timestamp, level, category, event id, message, state), for log collectors.</summary>
    Json,

    /// <summary>Human-readable lines, for a terminal.</summary>
    Simple,
}

/// <summary>The paths of the gateway's health endpoints (always anonymous: they say nothing about the backends but "ready or not").</summary>
internal sealed class HealthEndpointSettings
{
    /// <summary>Answers 200 while the process serves requests. Default <c>/healthz/live</c>.</summary>
    public string LivePath { get; set; } = "/healthz/live";

    /// <summary>Answers 200 when every cluster has an available destination, 503 otherwise. Default <c>/healthz/ready</c>.</summary>
    public string ReadyPath { get; set; } = "/healthz/ready";
}

/// <summary>An endpoint of the gateway's own behind an authorization policy.</summary>
internal sealed class EndpointSettings
{
    /// <summary>The authorization policy required (a name from <c>EdgeKit:Authorization:Policies</c>, <c>default</c> or <c>anonymous</c>); not set: the endpoint is off.</summary>
    public string? Policy { get; set; }

    /// <summary>The path; not set: the library's default (<c>/edgekit/status</c>, <c>/edgekit/dashboard</c>).</summary>
    public string? Path { get; set; }
}

/// <summary>One CORS policy.</summary>
internal sealed class CorsPolicySettings
{
    /// <summary>Allowed origins (<c>https://app.example.com</c>), or <c>*</c> for any.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>Allowed methods; empty: any.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>Allowed request headers; empty: any.</summary>
    public List<string> Headers { get; set; } = [];

    /// <summary>Response headers the browser may show to scripts.</summary>
    public List<string> ExposedHeaders { get; set; } = [];

    /// <summary>Whether credentials (cookies, Authorization) may be sent. Not with the origin <c>*</c>.</summary>
    public bool AllowCredentials { get; set; }

    /// <summary>How long a browser may cache the preflight answer; not set: the browser's default.</summary>
    public TimeSpan? PreflightMaxAge { get; set; }
}

/// <summary>The Redis connection.</summary>
internal sealed class RedisSettings
{
    /// <summary>A StackExchange.Redis configuration string (<c>redis1:6379,redis2:6379,password=...</c>); not set: no Redis.</summary>
    public string? Configuration { get; set; }
}
