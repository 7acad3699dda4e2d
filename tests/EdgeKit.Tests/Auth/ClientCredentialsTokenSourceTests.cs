using System.Net;
using System.Text;
using EdgeKit.Auth;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeKit.Tests.Auth;

public class ClientCredentialsTokenSourceTests
{
    private const string Secret = "s3cr3t:with/odd chars";
    private readonly FakeTimeProvider _time = new();
    private readonly FakeTerminalHandler _endpoint = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _bodies = new();
    private int _issued;

    public ClientCredentialsTokenSourceTests() => _endpoint.Respond = (request, _) => Token(request, "{\"access_token\":\"tok-{n}\",\"token_type\":\"Bearer\",\"expires_in\":300}");

    private Task<HttpResponseMessage> Token(HttpRequestMessage request, string json, HttpStatusCode status = HttpStatusCode.OK)
    {
        int n = Interlocked.Increment(ref _issued);
        _bodies.Enqueue(request.Content?.ReadAsStringAsync().GetAwaiter().GetResult() ?? "");
        return Task.FromResult(new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(json.Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture)), Encoding.UTF8, "application/json"),
        });
    }

    private ClientCredentialsTokenSource Source(Action<ClientCredentialsOptions>? configure = null, string name = "orders")
    {
        var options = new ClientCredentialsOptions
        {
            TokenEndpoint = new Uri("https://login.example/oauth2/token"),
            ClientId = "orders-client",
            ClientSecret = Secret,
            Scope = "orders.read orders.write",
        };
        configure?.Invoke(options);
        var http = new HttpClient(_endpoint);
        return new ClientCredentialsTokenSource(name, options, () => http, _time, _logs.CreateLogger("test"));
    }

    [Fact]
    public async Task The_token_is_requested_once_with_basic_authentication_and_cached()
    {
        var source = Source();

        (await source.GetTokenAsync(default)).Should().Be("tok-1");
        _time.Advance(TimeSpan.FromSeconds(239));
        (await source.GetTokenAsync(default)).Should().Be("tok-1");

        var request = _endpoint.Sent.Should().ContainSingle().Which.Request;
        request.Method.Should().Be(HttpMethod.Post);
        request.Headers.Authorization!.Scheme.Should().Be("Basic");
        Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization.Parameter!)).Should().Be("orders-client:s3cr3t%3Awith%2Fodd%20chars");
        _bodies.Should().Equal("grant_type=client_credentials&scope=orders.read+orders.write");
    }

    [Fact]
    public async Task The_body_style_sends_the_credentials_as_form_fields()
    {
        var source = Source(o => { o.CredentialStyle = ClientCredentialStyle.RequestBody; o.Scope = null; });

        await source.GetTokenAsync(default);

        var request = _endpoint.Sent.Single().Request;
        request.Headers.Authorization.Should().BeNull();
        _bodies.Should().Equal("grant_type=client_credentials&client_id=orders-client&client_secret=s3cr3t%3Awith%2Fodd+chars");
    }

    [Fact]
    public async Task Shortly_before_expiry_the_old_token_is_used_while_one_refresh_runs()
    {
        var source = Source();
        await source.GetTokenAsync(default);
        var release = new TaskCompletionSource();
        _endpoint.Respond = async (request, _) =>
        {
            await release.Task;
            return await Token(request, "{\"access_token\":\"tok-{n}\",\"expires_in\":300}");
        };
        _time.Advance(TimeSpan.FromSeconds(240)); // 300 s lifetime, refreshed 60 s before expiry

        var during = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => source.GetTokenAsync(default).AsTask()));
        await _endpoint.WaitForRequestsAsync(2);
        release.SetResult();
        await source.LastRefresh!;

        during.Should().AllBe("tok-1");
        (await source.GetTokenAsync(default)).Should().Be("tok-2");
        _endpoint.Sent.Should().HaveCount(2);
    }

    [Fact]
    public async Task An_expired_token_is_never_returned()
    {
        var source = Source();
        await source.GetTokenAsync(default);
        _time.Advance(TimeSpan.FromSeconds(300));

        (await source.GetTokenAsync(default)).Should().Be("tok-2");
    }

    [Fact]
    public async Task Concurrent_callers_without_a_token_share_one_request()
    {
        var release = new TaskCompletionSource();
        _endpoint.Respond = async (request, _) =>
        {
            await release.Task;
            return await Token(request, "{\"access_token\":\"tok-{n}\",\"expires_in\":300}");
        };
        var source = Source();

        var calls = Enumerable.Range(0, 50).Select(_ => source.GetTokenAsync(default).AsTask()).ToArray();
        await _endpoint.WaitForRequestsAsync(1);
        release.SetResult();

        (await Task.WhenAll(calls)).Should().AllBe("tok-1");
        _endpoint.Sent.Should().HaveCount(1);
    }

    [Theory]
    [InlineData(60, 30)]
    [InlineData(100, 50)]
    [InlineData(120, 60)]
    [InlineData(3600, 3540)]
    public async Task Short_lived_tokens_are_refreshed_at_half_their_lifetime(int expiresIn, int refreshAfter)
    {
        _endpoint.Respond = (request, _) => Token(request, $"{{\"access_token\":\"tok-{{n}}\",\"expires_in\":\"{expiresIn}\"}}");
        var source = Source();
        await source.GetTokenAsync(default);

        _time.Advance(TimeSpan.FromSeconds(refreshAfter - 1));
        await source.GetTokenAsync(default);
        _endpoint.Sent.Should().HaveCount(1);

        _time.Advance(TimeSpan.FromSeconds(1));
        await source.GetTokenAsync(default);
        await source.LastRefresh!;
        _endpoint.Sent.Should().HaveCount(2);
    }

    [Fact]
    public async Task Without_expires_in_the_default_lifetime_applies()
    {
        _endpoint.Respond = (request, _) => Token(request, "{\"access_token\":\"tok-{n}\"}");
        var source = Source(o => o.DefaultTokenLifetime = TimeSpan.FromMinutes(10));
        await source.GetTokenAsync(default);

        _time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromSeconds(1));
        (await source.GetTokenAsync(default)).Should().Be("tok-1");
        _endpoint.Sent.Should().HaveCount(1);
    }

    [Fact]
    public async Task A_refusal_is_a_typed_exception_without_the_secret_and_the_next_call_tries_again()
    {
        _endpoint.Respond = (request, _) => Token(request, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}", HttpStatusCode.Unauthorized);
        var source = Source();

        var error = (await source.Invoking(s => s.GetTokenAsync(default).AsTask()).Should().ThrowAsync<ClientCredentialsTokenException>()).Which;

        error.Message.Should().Be("The token endpoint https://login.example/oauth2/token refused client 'orders' with 401 (invalid_client).");
        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Error.Should().Be("invalid_client");
        _logs.WithEventId(1311).Should().ContainSingle().Which.Message.Should().NotContain(Secret).And.Contain("invalid_client");

        _endpoint.Respond = (request, _) => Token(request, "{\"access_token\":\"tok-{n}\",\"expires_in\":300}");
        (await source.GetTokenAsync(default)).Should().Be("tok-2");
    }

    [Fact]
    public async Task Each_token_request_is_counted_by_client_and_outcome()
    {
        string name = "metrics-" + Guid.NewGuid().ToString("N");
        using var recorder = new MeasurementRecorder("edgekit.auth.client", name);
        _endpoint.Respond = (request, _) => Token(request, "{\"error\":\"invalid_client\"}", HttpStatusCode.Unauthorized);
        var source = Source(name: name);

        await source.Invoking(s => s.GetTokenAsync(default).AsTask()).Should().ThrowAsync<ClientCredentialsTokenException>();
        _endpoint.Respond = (request, _) => Token(request, "{\"access_token\":\"tok-{n}\",\"expires_in\":300}");
        (await source.GetTokenAsync(default)).Should().Be("tok-2");
        (await source.GetTokenAsync(default)).Should().Be("tok-2", "a cached token is not a request");

        var measured = recorder.Of("edgekit.auth.token_requests");
        measured.Select(m => (m.Value, m.Unit, m.Tags["edgekit.outcome"])).Should().Equal((1d, "{request}", "failure"), (1d, "{request}", "success"));
        measured.Should().OnlyContain(m => m.Tags.Count == 2 && Equals(m.Tags["edgekit.auth.client"], name), "only the client's name and the outcome: never a credential");
    }

    [Theory]
    [InlineData("{\"access_token\":\"t\",\"token_type\":\"mac\"}", "The token endpoint https://login.example/oauth2/token gave client 'orders' a token of type 'mac'; only Bearer tokens are supported.")]
    [InlineData("{\"token_type\":\"Bearer\"}", "The token endpoint https://login.example/oauth2/token answered client 'orders' without a usable access_token.")]
    [InlineData("{\"access_token\":\"a\\r\\nb\"}", "The token endpoint https://login.example/oauth2/token answered client 'orders' without a usable access_token.")]
    [InlineData("<html>", "The token endpoint https://login.example/oauth2/token answered client 'orders' with a body that is not JSON.")]
    public async Task Unusable_answers_are_refused(string json, string message)
    {
        _endpoint.Respond = (request, _) => Token(request, json);

        (await Source().Invoking(s => s.GetTokenAsync(default).AsTask()).Should().ThrowAsync<ClientCredentialsTokenException>()).WithMessage(message);
    }

    [Fact]
    public async Task A_caller_giving_up_does_not_cancel_the_shared_request()
    {
        var release = new TaskCompletionSource();
        _endpoint.Respond = async (request, _) =>
        {
            await release.Task;
            return await Token(request, "{\"access_token\":\"tok-{n}\",\"expires_in\":300}");
        };
        var source = Source();
        using var cancel = new CancellationTokenSource();

        var impatient = source.GetTokenAsync(cancel.Token).AsTask();
        var patient = source.GetTokenAsync(default).AsTask();
        await _endpoint.WaitForRequestsAsync(1);
        await cancel.CancelAsync();
        release.SetResult();

        await impatient.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        (await patient).Should().Be("tok-1");
    }

    [Fact]
    public void Bad_options_are_refused_with_every_problem()
    {
        var act = () => Source(o =>
        {
            o.TokenEndpoint = new Uri("http://login.example/token");
            o.ClientId = " ";
            o.ClientSecret = "";
            o.RefreshBeforeExpiry = TimeSpan.FromSeconds(-1);
        });

        act.Should().Throw<ArgumentException>().WithMessage(
            "ClientCredentialsOptions.TokenEndpoint must use https (set RequireHttps to false only for loopback tests), was 'http'. "
            + "ClientCredentialsOptions.ClientId is required. ClientCredentialsOptions.ClientSecret is required. "
            + "ClientCredentialsOptions.RefreshBeforeExpiry must be zero or positive, was -00:00:01.*");
        Source(o => { o.TokenEndpoint = new Uri("http://127.0.0.1:5000/token"); o.RequireHttps = false; }).Should().NotBeNull();
    }
}
