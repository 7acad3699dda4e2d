namespace EdgeKit.AspNetCore.Transforms;

/// <summary>
/// The keys of the built-in transforms, as written in <c>EdgeKit:Routes:&lt;id&gt;:Transforms</c>. Each transform is
/// one entry whose first key names it; the other keys are its settings. See docs/gateway-transforms.md.
/// </summary>
public static class TransformKeys
{
    /// <summary>Puts a prefix before the path. Value: the prefix, starting with <c>/</c>.</summary>
    public const string PathPrefix = "PathPrefix";

    /// <summary>Removes a leading prefix of whole segments. Value: the prefix, starting with <c>/</c>.</summary>
    public const string PathRemovePrefix = "PathRemovePrefix";

    /// <summary>Replaces the path. Value: the new path, starting with <c>/</c>.</summary>
    public const string PathSet = "PathSet";

    /// <summary>Builds the path from a route template filled with the route's values, e.g. <c>/v2/{rest}</c>.</summary>
    public const string PathPattern = "PathPattern";

    /// <summary>Sets or appends a query parameter. Value: the name; with <see cref="Set"/> or <see cref="Append"/>.</summary>
    public const string QueryParameter = "QueryParameter";

    /// <summary>Removes a query parameter. Value: the name.</summary>
    public const string QueryRemoveParameter = "QueryRemoveParameter";

    /// <summary>Changes the method. Value: the method to change; with <see cref="Set"/>: the method sent instead.</summary>
    public const string HttpMethodChange = "HttpMethodChange";

    /// <summary>Sets or appends a request header. Value: the name; with <see cref="Set"/> or <see cref="Append"/>.</summary>
    public const string RequestHeader = "RequestHeader";

    /// <summary>Removes a request header. Value: the name.</summary>
    public const string RequestHeaderRemove = "RequestHeaderRemove";

    /// <summary>Whether the client's <c>Host</c> is sent instead of the destination's. Value: <c>true</c> or <c>false</c>.</summary>
    public const string RequestHeaderOriginalHost = "RequestHeaderOriginalHost";

    /// <summary>Sets or appends a response header. Value: the name; with <see cref="Set"/> or <see cref="Append"/>, optionally <see cref="When"/>.</summary>
    public const string ResponseHeader = "ResponseHeader";

    /// <summary>Removes a response header. Value: the name; optionally <see cref="When"/>.</summary>
    public const string ResponseHeaderRemove = "ResponseHeaderRemove";

    /// <summary>
    /// This route's <c>X-Forwarded-*</c> headers. Value: Append, Set, Off or Remove for all four; <see cref="For"/>,
    /// <see cref="Proto"/>, <see cref="Host"/>, <see cref="Prefix"/> override one; <see cref="HeaderPrefix"/> renames them.
    /// </summary>
    public const string XForwarded = "X-Forwarded";

    /// <summary>
    /// This route's RFC 7239 <c>Forwarded</c> header. Value: the parameters sent (<c>for</c>, <c>by</c>, <c>proto</c>,
    /// <c>host</c>, comma-separated); with <see cref="Action"/>, <see cref="ForFormat"/>, <see cref="ByFormat"/>.
    /// </summary>
    public const string Forwarded = "Forwarded";

    /// <summary>Changes a property of JSON request bodies. Value: the property path (<c>a.b</c>); with <see cref="Remove"/>, <see cref="RenameTo"/> or <see cref="Set"/>, optionally <see cref="MaxBytes"/>.</summary>
    public const string RequestBodyJson = "RequestBodyJson";

    /// <summary>Changes a property of JSON response bodies. Value: the property path (<c>a.b</c>); with <see cref="Remove"/>, <see cref="RenameTo"/> or <see cref="Set"/>, optionally <see cref="MaxBytes"/>.</summary>
    public const string ResponseBodyJson = "ResponseBodyJson";

    /// <summary>Setting: the value that replaces existing ones.</summary>
    public const string Set = "Set";

    /// <summary>Setting: the value added after existing ones.</summary>
    public const string Append = "Append";

    /// <summary>Setting of response header transforms: Always (default), Success (status below 400) or Failure.</summary>
    public const string When = "When";

    /// <summary>Setting of <see cref="XForwarded"/>: the action for <c>X-Forwarded-For</c>.</summary>
    public const string For = "For";

    /// <summary>Setting of <see cref="XForwarded"/>: the action for <c>X-Forwarded-Proto</c>.</summary>
    public const string Proto = "Proto";

    /// <summary>Setting of <see cref="XForwarded"/>: the action for <c>X-Forwarded-Host</c>.</summary>
    public const string Host = "Host";

    /// <summary>Setting of <see cref="XForwarded"/>: the action for <c>X-Forwarded-Prefix</c>.</summary>
    public const string Prefix = "Prefix";

    /// <summary>Setting of <see cref="XForwarded"/>: the header name prefix (default <c>X-Forwarded-</c>).</summary>
    public const string HeaderPrefix = "HeaderPrefix";

    /// <summary>Setting of <see cref="Forwarded"/>: Append (default), Set, Off or Remove.</summary>
    public const string Action = "Action";

    /// <summary>Setting of <see cref="Forwarded"/>: how <c>for</c> is written (Ip, IpAndPort, Random, RandomAndPort, Unknown).</summary>
    public const string ForFormat = "ForFormat";

    /// <summary>Setting of <see cref="Forwarded"/>: how <c>by</c> is written (Ip, IpAndPort, Random, RandomAndPort, Unknown).</summary>
    public const string ByFormat = "ByFormat";

    /// <summary>Setting of JSON body transforms: <c>true</c> removes the property.</summary>
    public const string Remove = "Remove";

    /// <summary>Setting of JSON body transforms: the property's new name.</summary>
    public const string RenameTo = "RenameTo";

    /// <summary>Setting of JSON body transforms: the largest body transformed, in bytes (default 1 MiB).</summary>
    public const string MaxBytes = "MaxBytes";
}
