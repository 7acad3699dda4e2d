using EdgeKit.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.AspNetCore.IdentityForwarding;

/// <summary>
/// Applies <see cref="IdentityForwardingOptions"/> to a request on its way to a backend: removes every identity
/// header (and listed header) the client sent, in any spelling a CGI, WSGI or PHP backend would read as the same
/// (case ignored, <c>-</c> and <c>_</c> alike: <c>X_User_Id</c> for <c>X-User-Id</c>), removes or relays the caller's
/// token, then sets the identity headers from the authenticated caller's claims. Immutable and thread-safe: build one
/// per route and reuse it.
/// </summary>
public sealed class IdentityForwarder
{
    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Upgrade", "Cookie", "TE", "Trailer",
    };

    private readonly KeyValuePair<string, string>[] _headers;
    private readonly IdentityHeaderNames _names;
    private readonly string[] _strip;
    private readonly TokenForwarding _token;
    private readonly ILogger _logger;

    /// <summary>Creates a forwarder; the options are checked and copied.</summary>
    /// <param name="options">What to forward.</param>
    /// <param name="logger">Receives a warning when a claim cannot be a header value; optional.</param>
    /// <exception cref="ArgumentException">When a header name is not a valid, settable header name, or a claim type is empty (every problem listed).</exception>
    public IdentityForwarder(IdentityForwardingOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _headers = [.. (options.Headers ?? new Dictionary<string, string>())];
        _names = new IdentityHeaderNames(_headers.Select(h => h.Key));
        _strip = [.. (options.StripHeaders ?? []).Where(h => !string.IsNullOrWhiteSpace(h))];
        _token = options.Token;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Every problem with <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The problems, each a sentence; empty when valid.</returns>
    public static List<string> Validate(IdentityForwardingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (header, claimType) in options.Headers ?? new Dictionary<string, string>())
        {
            if (!HeaderText.IsToken(header) || s_reserved.Contains(header))
            {
                errors.Add($"IdentityForwardingOptions.Headers: '{header}' is not a header name identity can be forwarded in.");
            }

            if (string.IsNullOrWhiteSpace(claimType))
            {
                errors.Add($"IdentityForwardingOptions.Headers['{header}'] needs a claim type.");
            }
        }

        foreach (var header in options.StripHeaders ?? [])
        {
            if (!HeaderText.IsToken(header ?? ""))
            {
                errors.Add($"IdentityForwardingOptions.StripHeaders: '{header}' is not a header name.");
            }
        }

        if (!Enum.IsDefined(options.Token))
        {
            errors.Add($"IdentityForwardingOptions.Token is not a known value: {options.Token}.");
        }

        return errors;
    }

    /// <summary>
    /// Edits <paramref name="request"/>, the request to the backend, for the caller of <paramref name="context"/>.
    /// Call it after the incoming headers were copied to <paramref name="request"/> and before sending it.
    /// </summary>
    /// <param name="context">The incoming request, with its authenticated user.</param>
    /// <param name="request">The outgoing request.</param>
    public void Apply(HttpContext context, HttpRequestMessage request) => Apply(context, request, incomingFiltered: false);

    /// <summary>
    /// <see cref="Apply(HttpContext, HttpRequestMessage)"/>; with <paramref name="incomingFiltered"/>, the caller (the
    /// gateway's forwarder) already left out, counted and logged every incoming header that matches an identity header.
    /// </summary>
    internal void Apply(HttpContext context, HttpRequestMessage request, bool incomingFiltered)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var incoming = context.Request.Headers;
        foreach (var (header, _) in _headers)
        {
            Remove(request, header);
        }

        if (!incomingFiltered)
        {
            foreach (var (name, _) in incoming)
            {
                if (_names.Contains(name))
                {
                    Remove(request, name);
                    Stripped(_logger, name);
                }
            }
        }

        foreach (var header in _strip)
        {
            Remove(request, header);
        }

        request.Headers.Authorization = null;
        if (_token == TokenForwarding.Relay && incoming.Authorization is { Count: > 0 } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", (IEnumerable<string?>)authorization);
        }

        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return;
        }

        foreach (var (header, claimType) in _headers)
        {
            string? value = null;
            foreach (var claim in user.FindAll(claimType))
            {
                value = value is null ? claim.Value : value + "," + claim.Value;
            }

            if (value is null)
            {
                continue;
            }

            if (!HeaderText.IsVisibleAscii(value))
            {
                IdentityForwardingLog.IdentityHeaderSkipped(_logger, header, claimType, "the claim's value has characters a header cannot carry");
                continue;
            }

            request.Headers.TryAddWithoutValidation(header, value);
        }
    }

    /// <summary>Counts and logs an incoming identity header (in any spelling) that was not forwarded.</summary>
    internal static void Stripped(ILogger logger, string header)
    {
        IdentityForwardingMetrics.HeadersStripped.Add(1);
        IdentityForwardingLog.IncomingIdentityHeaderStripped(logger, header);
    }

    private static void Remove(HttpRequestMessage request, string header)
    {
        request.Headers.Remove(header);
        request.Content?.Headers.Remove(header);
    }
}
