namespace EdgeKit.AspNetCore.Configuration;

/// <summary>What a request must look like to take a route. Every condition given must hold.</summary>
public sealed class RouteMatchOptions
{
    /// <summary>
    /// An ASP.NET route template, e.g. <c>/user/orders/{**rest}</c> (catch-all) or <c>/products/{id:int}</c>.
    /// <see langword="null"/> matches every path (<c>/{**catch-all}</c>).
    /// </summary>
    public string? Path { get; set; }

    /// <summary>The template of a route without a <see cref="Path"/>: every path.</summary>
    internal const string CatchAllTemplate = "/{**edgekit-catch-all}";

    /// <summary>Host names (with optional port, <c>*.</c> wildcards allowed), any of which must match; empty for any host.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>HTTP methods, any of which must match (case-insensitive); empty for any method.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>Header conditions, all of which must hold.</summary>
    public List<RouteHeaderMatch> Headers { get; set; } = [];

    /// <summary>Query parameter conditions, all of which must hold.</summary>
    public List<RouteQueryMatch> QueryParameters { get; set; } = [];
}

/// <summary>How a header or query value is compared.</summary>
public enum RouteValueMatchMode
{
    /// <summary>The value equals one of the given values.</summary>
    Exact,

    /// <summary>The value starts with one of the given values.</summary>
    Prefix,

    /// <summary>The value contains one of the given values.</summary>
    Contains,

    /// <summary>The header or parameter is present, whatever its value (no values may be given).</summary>
    Exists,

    /// <summary>The header or parameter is absent (no values may be given).</summary>
    NotExists,
}

/// <summary>A condition on a request header.</summary>
public sealed class RouteHeaderMatch
{
    /// <summary>The header name. Required.</summary>
    public string? Name { get; set; }

    /// <summary>Accepted values (any one matches); required unless <see cref="Mode"/> is Exists or NotExists.</summary>
    public List<string> Values { get; set; } = [];

    /// <summary>How values are compared. Default <see cref="RouteValueMatchMode.Exact"/>.</summary>
    public RouteValueMatchMode Mode { get; set; } = RouteValueMatchMode.Exact;

    /// <summary>Whether values compare case-sensitively. Default <see langword="false"/>.</summary>
    public bool IsCaseSensitive { get; set; }
}

/// <summary>A condition on a query parameter.</summary>
public sealed class RouteQueryMatch
{
    /// <summary>The parameter name (compared case-insensitively). Required.</summary>
    public string? Name { get; set; }

    /// <summary>Accepted values (any one matches); required unless <see cref="Mode"/> is Exists or NotExists.</summary>
    public List<string> Values { get; set; } = [];

    /// <summary>How values are compared. Default <see cref="RouteValueMatchMode.Exact"/>.</summary>
    public RouteValueMatchMode Mode { get; set; } = RouteValueMatchMode.Exact;

    /// <summary>Whether values compare case-sensitively. Default <see langword="false"/>.</summary>
    public bool IsCaseSensitive { get; set; }
}
