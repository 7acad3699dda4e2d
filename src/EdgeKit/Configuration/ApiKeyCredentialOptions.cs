namespace EdgeKit.Configuration;

/// <summary>Settings of the handler that attaches an API key to every outgoing request of an <see cref="HttpClient"/>.</summary>
public sealed class ApiKeyCredentialOptions
{
    /// <summary>The default <see cref="HeaderName"/>: <c>X-Api-Key</c>.</summary>
    public const string DefaultHeaderName = "X-Api-Key";

    /// <summary>The request header that carries the key. Default <c>X-Api-Key</c>.</summary>
    public string HeaderName { get; set; } = DefaultHeaderName;

    /// <summary>The API key. Required. Keep it out of source control (user secrets, environment, a vault).</summary>
    public string Key { get; set; } = "";
}
