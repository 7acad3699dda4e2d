namespace EdgeKit.Caching;

/// <summary>The names of the cache policies defined in code or configuration (options, so both paths add to one set).</summary>
internal sealed class HttpCachePolicyNames
{
    public HashSet<string> Names { get; } = new(StringComparer.OrdinalIgnoreCase);
}
