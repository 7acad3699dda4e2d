using System.Net;

namespace EdgeKit.Auth;

/// <summary>Thrown to an outgoing request when no access token could be obtained from the token endpoint.</summary>
public sealed class ClientCredentialsTokenException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong (never contains a secret or token).</param>
    /// <param name="statusCode">The token endpoint's status, when it answered.</param>
    /// <param name="error">The OAuth <c>error</c> code it returned, when it did.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ClientCredentialsTokenException(string message, HttpStatusCode? statusCode = null, string? error = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>The token endpoint's status, or <see langword="null"/> when it did not answer.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The OAuth <c>error</c> code (RFC 6749 §5.2) it returned, such as <c>invalid_client</c>, or <see langword="null"/>.</summary>
    public string? Error { get; }
}
