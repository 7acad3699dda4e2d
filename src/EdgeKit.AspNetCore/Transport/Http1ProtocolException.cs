namespace EdgeKit.AspNetCore.Transport;

/// <summary>
/// A backend broke HTTP/1.1's rules (RFC 9112) in its response: a malformed status line or field, a bare CR or LF,
/// obs-fold, ambiguous or invalid framing, a head over the limit, a bad chunk. The request fails with this error (the
/// forwarder answers 502) and the connection is closed, never reused.
/// </summary>
internal sealed class Http1ProtocolException(string message) : HttpIOException(HttpRequestError.InvalidResponse, message);
