using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeKit.Configuration;
using EdgeKit.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeKit.Auth;

/// <summary>
/// Obtains and caches one client's OAuth 2.0 client-credentials access token. A fresh token is returned from the
/// cache without locking or allocating; when it is due for refresh, one request goes to the token endpoint however
/// many callers ask at once: callers keep the still-valid token meanwhile, and callers without a valid token wait
/// for that one request.
/// </summary>
internal sealed class ClientCredentialsTokenSource
{
    /// <summary>After a failed background refresh, how long callers with a still-valid token wait before trying again.</summary>
    internal static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The largest token response read: 64 KiB.</summary>
    internal const int MaxResponseSize = 64 * 1024;

    private readonly Func<HttpClient> _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly Uri _endpoint;
    private readonly string _clientId;
    private readonly string _clientSecret;
    private readonly string? _scope;
    private readonly ClientCredentialStyle _style;
    private readonly TimeSpan _refreshBeforeExpiry;
    private readonly TimeSpan _defaultLifetime;
    private readonly TimeSpan _requestTimeout;
    private readonly Lock _lock = new();
    private volatile CachedToken? _token;
    private Task<CachedToken>? _refresh;
    private long _failedAt = long.MinValue;

    public ClientCredentialsTokenSource(string name, ClientCredentialsOptions options, Func<HttpClient> http, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _name = name;
        _http = http;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _endpoint = options.TokenEndpoint!;
        _clientId = options.ClientId;
        _clientSecret = options.ClientSecret;
        _scope = string.IsNullOrWhiteSpace(options.Scope) ? null : options.Scope;
        _style = options.CredentialStyle;
        _refreshBeforeExpiry = options.RefreshBeforeExpiry;
        _defaultLifetime = options.DefaultTokenLifetime;
        _requestTimeout = options.TokenRequestTimeout;
    }

    /// <summary>Every problem with <paramref name="options"/>, each a full sentence.</summary>
    public static List<string> Validate(ClientCredentialsOptions options)
    {
        var errors = new List<string>();
        const string path = "ClientCredentialsOptions";
        if (options.TokenEndpoint is not { IsAbsoluteUri: true } endpoint)
        {
            errors.Add($"{path}.TokenEndpoint must be an absolute URI.");
        }
        else if (endpoint.Scheme != Uri.UriSchemeHttps && (options.RequireHttps || endpoint.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{path}.TokenEndpoint must use https (set RequireHttps to false only for loopback tests), was '{endpoint.Scheme}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{path}.ClientId is required.");
        }

        if (string.IsNullOrEmpty(options.ClientSecret))
        {
            errors.Add($"{path}.ClientSecret is required.");
        }

        if (options.RefreshBeforeExpiry < TimeSpan.Zero)
        {
            errors.Add($"{path}.RefreshBeforeExpiry must be zero or positive, was {options.RefreshBeforeExpiry}.");
        }

        if (options.DefaultTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{path}.DefaultTokenLifetime must be positive, was {options.DefaultTokenLifetime}.");
        }

        if (options.TokenRequestTimeout <= TimeSpan.Zero && options.TokenRequestTimeout != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{path}.TokenRequestTimeout must be positive, was {options.TokenRequestTimeout}.");
        }

        if (!Enum.IsDefined(options.CredentialStyle))
        {
            errors.Add($"{path}.CredentialStyle is not a known style: {options.CredentialStyle}.");
        }

        return errors;
    }

    /// <summary>The client's name (its HttpClient's name), used in logs and metrics.</summary>
    public string Name => _name;

    /// <summary>An access token: the cached one while it is fresh, else the result of the one refresh in progress.</summary>
    /// <exception cref="ClientCredentialsTokenException">When no valid token is cached and the token endpoint gave none.</exception>
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var token = _token;
        if (token is not null)
        {
            var age = _time.GetElapsedTime(token.ObtainedAt);
            if (age < token.RefreshAfter)
            {
                return new ValueTask<string>(token.AccessToken);
            }

            if (age < token.ExpiresAfter)
            {
                // Due for refresh but still valid: use it, and let one refresh run in the background.
                long failedAt = Volatile.Read(ref _failedAt);
                if (failedAt == long.MinValue || _time.GetElapsedTime(failedAt) >= FailureBackoff)
                {
                    StartRefresh().ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                return new ValueTask<string>(token.AccessToken);
            }
        }

        return WaitForTokenAsync(cancellationToken);
    }

    /// <summary>The refresh in progress or last completed, for tests to await.</summary>
    internal Task? LastRefresh
    {
        get
        {
            lock (_lock)
            {
                return _refresh;
            }
        }
    }

    /// <summary>Forgets the cached token, so that the next call fetches a new one (for example after the API answered 401).</summary>
    public void Invalidate() => _token = null;

    private async ValueTask<string> WaitForTokenAsync(CancellationToken cancellationToken)
    {
        // The shared refresh is not cancelled by one caller giving up; that caller only stops waiting.
        var token = await StartRefresh().WaitAsync(cancellationToken).ConfigureAwait(false);
        return token.AccessToken;
    }

    private Task<CachedToken> StartRefresh()
    {
        lock (_lock)
        {
            if (_refresh is null || _refresh.IsCompleted)
            {
                if (_token is { } token && _time.GetElapsedTime(token.ObtainedAt) < token.RefreshAfter)
                {
                    // Another caller's refresh completed between our check and the lock.
                    return Task.FromResult(token);
                }

                _refresh = RefreshAsync();
            }

            return _refresh;
        }
    }

    private async Task<CachedToken> RefreshAsync()
    {
        await Task.Yield(); // never run the request under the caller's lock
        long started = _time.GetTimestamp();
        try
        {
            var token = await RequestTokenAsync(started).ConfigureAwait(false);
            _token = token;
            Volatile.Write(ref _failedAt, long.MinValue);
            EdgeKitMetrics.RecordTokenRequest(_name, "success");
            EdgeKitLog.ClientCredentialsTokenAcquired(_logger, _name, token.ExpiresAfter);
            return token;
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _failedAt, _time.GetTimestamp());
            EdgeKitMetrics.RecordTokenRequest(_name, "failure");
            var failure = ex as ClientCredentialsTokenException
                ?? new ClientCredentialsTokenException($"The token request of client '{_name}' to {_endpoint.GetLeftPart(UriPartial.Path)} failed: {ex.Message}", innerException: ex);
            EdgeKitLog.ClientCredentialsTokenFailed(_logger, _name, (int?)failure.StatusCode, failure.Error, failure.Message);
            throw failure;
        }
    }

    private async Task<CachedToken> RequestTokenAsync(long started)
    {
        using var timeout = _requestTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(_requestTimeout, _time);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var form = new List<KeyValuePair<string, string>>(4) { new("grant_type", "client_credentials") };
        if (_scope is not null)
        {
            form.Add(new("scope", _scope));
        }

        if (_style == ClientCredentialStyle.BasicAuthentication)
        {
            // RFC 6749 §2.3.1: the id and secret are form-urlencoded before being joined and base64-encoded.
            string pair = Uri.EscapeDataString(_clientId) + ":" + Uri.EscapeDataString(_clientSecret);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
        else
        {
            form.Add(new("client_id", _clientId));
            form.Add(new("client_secret", _clientSecret));
        }

        request.Content = new FormUrlEncodedContent(form);
        using var response = await _http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        await response.Content.LoadIntoBufferAsync(MaxResponseSize, timeout.Token).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        string where = _endpoint.GetLeftPart(UriPartial.Path);
        if (!response.IsSuccessStatusCode)
        {
            string? error = TryReadString(body, "error");
            throw new ClientCredentialsTokenException(
                $"The token endpoint {where} refused client '{_name}' with {(int)response.StatusCode}{(error is null ? "" : $" ({error})")}.",
                response.StatusCode, error);
        }

        string? accessToken;
        string? tokenType;
        TimeSpan? expiresIn;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            accessToken = root.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString() : null;
            tokenType = root.TryGetProperty("token_type", out var tt) && tt.ValueKind == JsonValueKind.String ? tt.GetString() : null;
            expiresIn = root.TryGetProperty("expires_in", out var ei) ? ReadSeconds(ei) : null;
        }
        catch (JsonException ex)
        {
            throw new ClientCredentialsTokenException($"The token endpoint {where} answered client '{_name}' with a body that is not JSON.", response.StatusCode, innerException: ex);
        }

        if (string.IsNullOrEmpty(accessToken) || !HeaderText.IsVisibleAscii(accessToken) || accessToken.Contains(' '))
        {
            throw new ClientCredentialsTokenException($"The token endpoint {where} answered client '{_name}' without a usable access_token.", response.StatusCode);
        }

        if (tokenType is not null && !tokenType.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new ClientCredentialsTokenException($"The token endpoint {where} gave client '{_name}' a token of type '{tokenType}'; only Bearer tokens are supported.", response.StatusCode);
        }

        var lifetime = expiresIn is { } e && e > TimeSpan.Zero ? e : _defaultLifetime;
        var refreshAfter = lifetime >= 2 * _refreshBeforeExpiry ? lifetime - _refreshBeforeExpiry : lifetime / 2;
        return new CachedToken(accessToken, started, refreshAfter, lifetime);
    }

    private static TimeSpan? ReadSeconds(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    private static string? TryReadString(byte[] body, string property)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is { } text && HeaderText.IsToken(text)
                ? text
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A token, when it was requested (a timestamp of the source's clock), when it is due for refresh and when it expires.</summary>
    private sealed record CachedToken(string AccessToken, long ObtainedAt, TimeSpan RefreshAfter, TimeSpan ExpiresAfter);
}
