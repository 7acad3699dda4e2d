using System.Net.Http.Json;
using EdgeKit.Client;
using EdgeKit.Resilience;

namespace EdgeKit.Tests.Resilience;

public class RequestReplayTests
{
    [Theory]
    [InlineData("GET", true)]
    [InlineData("HEAD", true)]
    [InlineData("OPTIONS", true)]
    [InlineData("TRACE", true)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    [InlineData("get", true)]
    [InlineData("POST", false)]
    [InlineData("PATCH", false)]
    [InlineData("CONNECT", false)]
    [InlineData("PURGE", false)]
    public void Idempotent_methods_are_those_of_RFC_9110(string method, bool idempotent)
    {
        RequestReplay.IsIdempotent(new HttpMethod(method)).Should().Be(idempotent);
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, true)]
    [InlineData(HttpRequestError.NameResolutionError, true)]
    [InlineData(HttpRequestError.SecureConnectionError, true)]
    [InlineData(HttpRequestError.ProxyTunnelError, true)]
    [InlineData(HttpRequestError.ResponseEnded, false)]
    [InlineData(HttpRequestError.InvalidResponse, false)]
    [InlineData(HttpRequestError.HttpProtocolError, false)]
    [InlineData(HttpRequestError.Unknown, false)]
    public void Only_a_failure_to_connect_means_nothing_reached_the_destination(HttpRequestError error, bool nothingSent)
    {
        RequestReplay.NothingSent(new HttpRequestException(error, "x")).Should().Be(nothingSent);
        RequestReplay.NothingSent(new HttpIOException(error, "x")).Should().BeFalse("an HttpIOException comes from an open connection");
        RequestReplay.NothingSent(new OperationCanceledException()).Should().BeFalse();
    }

    [Theory]
    [InlineData("POST", false, "NotIdempotent")]
    [InlineData("POST", true, "Eligible")]
    [InlineData("PATCH", true, "Eligible")]
    [InlineData("GET", false, "Eligible")]
    public void AllowNonIdempotent_makes_every_method_eligible(string method, bool allow, string expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://orders/x");

        RequestReplay.Of(request, allow).ToString().Should().Be(expected);
    }

    public static TheoryData<HttpContent?, bool> Contents() => new()
    {
        { null, true },
        { new StringContent("x"), true },
        { new ByteArrayContent([1]), true },
        { new FormUrlEncodedContent([new("a", "b")]), true },
        { new ReadOnlyMemoryContent(new byte[] { 1 }), true },
        { JsonContent.Create(new { id = 1 }), true },
        { new MultipartFormDataContent { new StringContent("x") }, true },
        { new StreamContent(new MemoryStream()), false },
        { new MultipartFormDataContent { new StringContent("x"), new StreamContent(new MemoryStream()) }, false },
    };

    [Theory]
    [MemberData(nameof(Contents))]
    public void Content_is_replayable_only_when_it_is_held_in_memory_or_rebuilt(HttpContent? content, bool replayable)
    {
        RequestReplay.IsReplayable(content).Should().Be(replayable);
    }

    [Theory]
    [InlineData("GET", null, "Eligible")]
    [InlineData("GET", false, "OptedOut")]
    [InlineData("POST", null, "NotIdempotent")]
    [InlineData("POST", true, "Eligible")]
    [InlineData("POST", false, "OptedOut")]
    public void A_request_can_opt_in_or_out(string method, bool? allowRetry, string expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://orders/");
        if (allowRetry is { } allow)
        {
            request.Options.Set(EdgeKitRequestOptions.AllowRetry, allow);
        }

        RequestReplay.Of(request).ToString().Should().Be(expected);
    }
}
