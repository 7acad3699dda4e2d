namespace EdgeKit.AspNetCore.Authentication;

/// <summary>Marks a scheme added with <c>AddEdgeKitApiKeys</c> or <c>AddEdgeKitHmac</c>, so that it is checked at start.</summary>
internal sealed record EdgeKitSchemeMarker(string Name, EdgeKitSchemeKind Kind);
