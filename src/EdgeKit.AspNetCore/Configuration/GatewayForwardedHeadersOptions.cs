namespace EdgeKit.AspNetCore.Configuration;

/// <summary>
/// How the gateway tells backends who the client was: <c>X-Forwarded-For/Proto/Host/Prefix</c> and RFC 7239
/// <c>Forwarded</c>, bound from <c>EdgeKit:ForwardedHeaders</c>. These are the defaults of every route; a route's
/// <c>X-Forwarded</c> or <c>Forwarded</c> transform replaces them for that route.
/// </summary>
/// <remarks>
/// Defaults: <c>X-Forwarded-*</c> on with <see cref="ForwardedHeaderAction.Append"/>, <c>Forwarded</c> off, no known
/// proxy. With no known proxy, Append behaves as Set: whatever <c>X-Forwarded-*</c> a client sends is replaced by what
/// the gateway saw, so an untrusted client cannot make a backend believe a forged address. List the load balancers in
/// front of the gateway in <see cref="KnownProxies"/> to keep (and extend) the values they send.
/// </remarks>
public sealed class GatewayForwardedHeadersOptions
{
    /// <summary>
    /// The proxies whose forwarded headers are trusted: IP addresses (<c>10.0.0.5</c>, <c>::1</c>) or CIDR networks
    /// (<c>10.0.0.0/8</c>, <c>fd00::/8</c>). A request whose connection comes from one of them keeps its incoming
    /// values under <see cref="ForwardedHeaderAction.Append"/>; any other has them replaced. Default: none. The rate
    /// limiter's <c>EdgeKit:RateLimiting:KnownProxies</c> takes the same list, checked the same way.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>What is done with <c>X-Forwarded-For</c>, <c>-Proto</c>, <c>-Host</c> and <c>-Prefix</c>. Default <see cref="ForwardedHeaderAction.Append"/>.</summary>
    public ForwardedHeaderAction XForwarded { get; set; } = ForwardedHeaderAction.Append;

    /// <summary>The prefix of the <c>X-Forwarded-*</c> header names. Default <c>X-Forwarded-</c>.</summary>
    public string XForwardedPrefix { get; set; } = "X-Forwarded-";

    /// <summary>What is done with the RFC 7239 <c>Forwarded</c> header. Default <see cref="ForwardedHeaderAction.Off"/>.</summary>
    public ForwardedHeaderAction Forwarded { get; set; } = ForwardedHeaderAction.Off;

    /// <summary>How the client appears in <c>Forwarded: for=</c>. Default <see cref="ForwardedNodeFormat.Ip"/>.</summary>
    public ForwardedNodeFormat ForwardedFor { get; set; } = ForwardedNodeFormat.Ip;

    /// <summary>How the gateway appears in <c>Forwarded: by=</c>; <see cref="ForwardedNodeFormat.None"/> (the default) leaves <c>by</c> out.</summary>
    public ForwardedNodeFormat ForwardedBy { get; set; } = ForwardedNodeFormat.None;
}

/// <summary>What the gateway does with one forwarded header.</summary>
public enum ForwardedHeaderAction
{
    /// <summary>Incoming values are kept and the gateway's appended when the connection comes from a known proxy; otherwise as <see cref="Set"/>.</summary>
    Append,

    /// <summary>Incoming values are always replaced by the gateway's.</summary>
    Set,

    /// <summary>The gateway neither adds nor removes anything: the client's values pass through as sent. Only for a gateway no untrusted client can reach.</summary>
    Off,

    /// <summary>Incoming values are removed and none added.</summary>
    Remove,
}

/// <summary>How a node (client or gateway) is written in an RFC 7239 <c>Forwarded</c> header (§6).</summary>
public enum ForwardedNodeFormat
{
    /// <summary>Not written.</summary>
    None,

    /// <summary>The IP address (<c>for=192.0.2.60</c>, <c>for="[2001:db8::1]"</c>).</summary>
    Ip,

    /// <summary>The IP address and port (<c>for="192.0.2.60:4711"</c>).</summary>
    IpAndPort,

    /// <summary>An obfuscated identifier, new for each request (<c>for=_hK3e9Qa1</c>, §6.3).</summary>
    Random,

    /// <summary>An obfuscated identifier and the port (<c>for="_hK3e9Qa1:4711"</c>).</summary>
    RandomAndPort,

    /// <summary>The literal <c>unknown</c> (§6.2).</summary>
    Unknown,
}
