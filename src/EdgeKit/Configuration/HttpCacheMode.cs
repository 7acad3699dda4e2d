namespace EdgeKit.Configuration;

/// <summary>Whose cache it is: decides which responses may be stored (RFC 9111 §3 and §3.5).</summary>
public enum HttpCacheMode
{
    /// <summary>
    /// A cache shared by many users (a gateway, or an HttpClient in a server acting for many users): <c>private</c>
    /// responses are never stored, <c>s-maxage</c> and <c>proxy-revalidate</c> apply, and responses to requests with
    /// <c>Authorization</c> are stored only when <c>public</c>, <c>s-maxage</c> or <c>must-revalidate</c> allows it.
    /// </summary>
    Shared,

    /// <summary>
    /// A cache used by one user (an HttpClient in a desktop or mobile app): <c>private</c> responses and responses to
    /// authorised requests may be stored; <c>s-maxage</c> and <c>proxy-revalidate</c> are ignored.
    /// </summary>
    Private,
}
