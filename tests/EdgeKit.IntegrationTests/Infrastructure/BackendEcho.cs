namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>What a <see cref="BackendInstance"/> saw of a request, as it answers it.</summary>
/// <param name="Instance">The instance's name, e.g. <c>b0</c>.</param>
/// <param name="Method">The request's method.</param>
/// <param name="RawTarget">The request target exactly as received on the wire (path and query, still escaped).</param>
/// <param name="Path">The request's path as ASP.NET Core decoded it.</param>
/// <param name="Query">The request's query string, with its leading '?', or empty.</param>
/// <param name="Host">The request's Host header.</param>
internal sealed record BackendEcho(string Instance, string Method, string RawTarget, string Path, string Query, string Host);
