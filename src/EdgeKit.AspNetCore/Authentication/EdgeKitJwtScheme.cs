namespace EdgeKit.AspNetCore.Authentication;

/// <summary>Marks a scheme added with <c>AddEdgeKitJwt</c>.</summary>
internal sealed record EdgeKitJwtScheme(string Name);
