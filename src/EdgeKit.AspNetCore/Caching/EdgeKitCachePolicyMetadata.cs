namespace EdgeKit.AspNetCore.Caching;

/// <summary>
/// Endpoint metadata naming the EdgeKit cache policy whose RFC 9111 cache answers the endpoint's requests. Read by
/// the middleware that <c>UseEdgeKitCaching()</c> adds; attach it with <c>CacheWithEdgeKit(policyName)</c> or put it on
/// any endpoint (gateway routes carry it when their configuration names a cache policy).
/// </summary>
public sealed class EdgeKitCachePolicyMetadata
{
    /// <summary>Creates the metadata.</summary>
    /// <param name="policyName">The policy, as defined by <c>AddCachePolicy</c> or <c>EdgeKit:Caching:Policies:&lt;name&gt;</c>.</param>
    /// <exception cref="ArgumentException">The name is null, empty or white space.</exception>
    public EdgeKitCachePolicyMetadata(string policyName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        PolicyName = policyName;
    }

    /// <summary>The policy's name.</summary>
    public string PolicyName { get; }
}
