using System.Net;
using System.Net.Http.Headers;
using EdgeKit.Client;
using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Resilience;
using EdgeKit.Tests.TestSupport;
using Polly.Timeout;

namespace EdgeKit.Tests.Resilience;

public class EdgeKitResilienceHandlerTests
{
    public static TheoryData<string> Failures => ["502", "503", "504", "408", "429", "connect-failure", "reset"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_GET_that_fails_is_retried_on_another_destination(string failure)
    {
        using var f = ResilienceFixture.Create();
        f.Terminal.Respond = (request, _) => ResilienceFixture.IdOf(request) != "d0"
            ? FakeTerminalHandler.Answer(request, HttpStatusCode.OK)
            : failure switch
            {
                "connect-failure" => Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (10.0.0.1:8080)")),
                "reset" => Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.")),
                _ => FakeTerminalHandler.Answer(request, (HttpStatusCode)int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture)),
            };

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
        response.RequestMessage!.RequestUri.Should().Be(new Uri("http://10.0.0.2:8080/items/7"));
        f.Retries("success").Should().Be(1);
        f.Budget.ActiveRetries.Should().Be(0, "the retry gave its budget slot back");
        f.Budget.ActiveRequests.Should().Be(0);
    }

    [Fact]
    public async Task Every_retry_avoids_every_destination_that_failed_the_request_and_the_last_answer_reaches_the_caller()
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0", "d1", "d2");

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        f.Terminal.Destinations.Should().Equal("d0", "d1", "d2");
        f.Retries("failure").Should().Be(2);
        f.NotRetried("attempts-exhausted").Should().Be(1);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(404)]
    [InlineData(400)]
    public async Task Statuses_not_listed_as_retryable_are_not_retried(int status)
    {
        using var f = ResilienceFixture.Create();
        f.Fail((HttpStatusCode)status, "d0");

        using var response = await f.GetAsync();

        ((int)response.StatusCode).Should().Be(status);
        f.Terminal.Sent.Should().ContainSingle();
        f.Retries().Should().Be(0);
    }

    [Fact]
    public async Task Retryable_statuses_are_configurable()
    {
        using var f = ResilienceFixture.Create(o => o.RetryableStatuses = "500");
        f.Fail(HttpStatusCode.InternalServerError, "d0");

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task A_GET_that_times_out_is_retried_elsewhere_and_the_timeout_counts_against_its_destination()
    {
        using var f = ResilienceFixture.Create(o => o.AttemptTimeout = TimeSpan.FromSeconds(1));
        f.Terminal.Respond = (request, token) => ResilienceFixture.IdOf(request) == "d0"
            ? FakeTerminalHandler.Hang(token)
            : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        var sending = f.GetAsync();
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(999));
        f.Terminal.Sent.Should().ContainSingle("the attempt has not timed out yet");
        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(FakeTerminalHandler.WaitLimit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
        var d0 = f["d0"];
        d0.TotalRequests.Should().Be(1);
        d0.TotalFailures.Should().Be(1, "EdgeKit knows its own attempt timeout from a cancellation");
        d0.ConsecutiveGatewayFailures.Should().Be(1, "a timeout is a gateway failure for outlier detection");
        d0.Consecutive5xx.Should().Be(1);
        d0.InFlight.Should().Be(0);
        f.Metrics.Sum("edgekit.resilience.attempt_timeouts", "edgekit.destination", "d0").Should().Be(1);
        f.Metrics.Of("edgekit.balancer.requests").Should().Contain(m =>
            Equals(m.Tags["edgekit.destination"], "d0") && Equals(m.Tags["edgekit.outcome"], "failure") && Equals(m.Tags["error.type"], "timeout"));
        var timedOut = f.Logs.WithEventId(1043).Should().ContainSingle().Subject;
        timedOut.Message.Should().Be($"Cluster '{f.Cluster.Name}': an attempt on destination 'd0' timed out after 00:00:01; counted as a gateway failure.");
        timedOut.Category.Should().Be(
            "EdgeKit.Resilience.EdgeKitResilienceHandler", "the attempt ends through AttemptLane.Complete, as every transport's does, and logs with the retry events");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task A_POST_or_PATCH_that_fails_is_not_retried_and_its_answer_reaches_the_caller(string method)
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");

        using var response = await f.SendAsync(new HttpMethod(method), new StringContent("{}"));

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        f.Terminal.Sent.Should().ContainSingle();
        f.NotRetried("not-idempotent").Should().Be(1);
        f.Logs.WithEventId(1041).Should().ContainSingle().Which.Message.Should().Be(
            $"Cluster '{f.Cluster.Name}': {method} request not retried after status 503: not-idempotent.");
    }

    [Fact]
    public async Task A_POST_whose_connection_was_refused_reached_nothing_and_is_retried_on_the_other_destinations()
    {
        using var f = ResilienceFixture.Create();
        f.Terminal.Respond = (_, _) => Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

        var act = () => f.SendAsync(HttpMethod.Post, new StringContent("{}"));

        var thrown = await act.Should().ThrowAsync<ClusterRequestFailedException>()
            .WithMessage("Cluster 'orders*': no destination answered; tried 'd0', 'd1', 'd2'. Last error: Connection refused");
        thrown.Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError);
        thrown.Which.FailedDestinations.Should().Equal("d0", "d1", "d2");
        f.Terminal.Sent.Should().HaveCount(3);
        f.NotRetried("not-idempotent").Should().Be(0);
    }

    [Fact]
    public async Task A_POST_whose_connection_ended_without_an_answer_may_have_reached_the_destination_and_is_not_retried()
    {
        using var f = ResilienceFixture.Create();
        f.Terminal.Respond = (_, _) => Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."));

        var act = () => f.SendAsync(HttpMethod.Post, new StringContent("{}"));

        (await act.Should().ThrowAsync<ClusterRequestFailedException>()).Which.FailedDestinations.Should().Equal("d0");
        f.Terminal.Sent.Should().ContainSingle();
        f["d0"].TotalFailures.Should().Be(1);
        f.NotRetried("not-idempotent").Should().Be(1);
    }

    [Fact]
    public async Task A_POST_that_times_out_is_not_retried_but_the_timeout_still_counts_against_the_destination()
    {
        using var f = ResilienceFixture.Create(o => o.AttemptTimeout = TimeSpan.FromSeconds(1));
        f.Terminal.Respond = (_, token) => FakeTerminalHandler.Hang(token);

        var sending = f.SendAsync(HttpMethod.Post, new StringContent("{}"));
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromSeconds(1));

        await sending.Invoking(s => s.WaitAsync(FakeTerminalHandler.WaitLimit)).Should().ThrowAsync<TimeoutRejectedException>();
        f.Terminal.Sent.Should().ContainSingle();
        f["d0"].TotalFailures.Should().Be(1);
        f.NotRetried("not-idempotent").Should().Be(1);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task A_POST_or_PATCH_that_opts_in_is_retried_with_its_content(string method)
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");
        var bodies = new List<string>();
        var respond = f.Terminal.Respond;
        f.Terminal.Respond = async (request, token) =>
        {
            bodies.Add(await request.Content!.ReadAsStringAsync(token));
            return await respond(request, token);
        };

        using var response = await f.SendAsync(
            new HttpMethod(method), new StringContent("{\"id\":7}"), configure: r => r.Options.Set(EdgeKitRequestOptions.AllowRetry, true));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
        bodies.Should().Equal("{\"id\":7}", "{\"id\":7}");
    }

    [Fact]
    public async Task A_GET_that_opts_out_is_not_retried()
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");

        using var response = await f.SendAsync(HttpMethod.Get, configure: r => r.Options.Set(EdgeKitRequestOptions.AllowRetry, false));

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        f.Terminal.Sent.Should().ContainSingle();
        f.NotRetried("opted-out").Should().Be(1);
    }

    [Theory]
    [InlineData("PUT", false)]
    [InlineData("POST", true)]
    public async Task A_request_whose_content_cannot_be_sent_twice_is_not_retried_even_when_it_opts_in(string method, bool optIn)
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");

        using var response = await f.SendAsync(
            new HttpMethod(method),
            new StreamContent(new MemoryStream([1, 2, 3])),
            configure: r =>
            {
                if (optIn)
                {
                    r.Options.Set(EdgeKitRequestOptions.AllowRetry, true);
                }
            });

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        f.Terminal.Sent.Should().ContainSingle();
        f.NotRetried("content-not-replayable").Should().Be(1);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    public async Task Every_idempotent_method_is_retried(string method)
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.BadGateway, "d0");

        using var response = await f.SendAsync(new HttpMethod(method), method == "PUT" ? new StringContent("x") : null);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task Retry_after_in_seconds_is_waited_on_the_clock()
    {
        using var f = ResilienceFixture.Create();
        f.Terminal.Respond = (request, _) => ResilienceFixture.IdOf(request) == "d0"
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(2)) } })
            : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        var sending = f.GetAsync();
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(1999));
        f.Terminal.Sent.Should().ContainSingle("Retry-After: 2 has not passed");
        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(FakeTerminalHandler.WaitLimit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
        f.Logs.WithEventId(1040).Should().ContainSingle().Which.Message.Should().Be(
            $"Cluster '{f.Cluster.Name}': GET request retried (retry 1 of 2) in 00:00:02 after status 503.");
    }

    [Fact]
    public async Task Retry_after_as_a_date_is_read_against_the_clusters_clock()
    {
        using var f = ResilienceFixture.Create();
        var retryAt = f.Time.GetUtcNow().AddSeconds(3);
        f.Terminal.Respond = (request, _) => ResilienceFixture.IdOf(request) == "d0"
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new RetryConditionHeaderValue(retryAt) } })
            : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        var sending = f.GetAsync();
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(2999));
        f.Terminal.Sent.Should().ContainSingle("the date has not come");
        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(FakeTerminalHandler.WaitLimit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task A_retry_after_date_in_the_past_means_no_wait()
    {
        using var f = ResilienceFixture.Create();
        var past = f.Time.GetUtcNow().AddMinutes(-1);
        f.Terminal.Respond = (request, _) => ResilienceFixture.IdOf(request) == "d0"
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(past) } })
            : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task A_long_retry_after_is_capped_by_MaxRetryAfter()
    {
        using var f = ResilienceFixture.Create(o => o.MaxRetryAfter = TimeSpan.FromSeconds(2));
        f.Terminal.Respond = (request, _) => ResilienceFixture.IdOf(request) == "d0"
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(20)) } })
            : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        var sending = f.GetAsync();
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(1999));
        f.Terminal.Sent.Should().ContainSingle();
        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(FakeTerminalHandler.WaitLimit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_total_timeout_returns_the_answer_at_once()
    {
        using var f = ResilienceFixture.Create(o => o.TotalTimeout = TimeSpan.FromSeconds(30));
        f.Terminal.Respond = (request, _) => Task.FromResult(
            new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(31)) } });

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(31), "the caller gets the service's own answer");
        f.Terminal.Sent.Should().ContainSingle();
        f.NotRetried("retry-after-exceeds-total-timeout").Should().Be(1);
    }

    [Fact]
    public async Task MaxRetryAfter_zero_ignores_the_header_and_backs_off_as_usual()
    {
        using var f = ResilienceFixture.Create(o => o.MaxRetryAfter = TimeSpan.Zero);
        f.Terminal.Respond = (request, _) => ResilienceFixture.IdOf(request) == "d0"
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(1)) } })
            : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task The_backoff_is_waited_on_the_clock_and_doubles()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.BaseDelay = TimeSpan.FromMilliseconds(100);
            o.MaxDelay = TimeSpan.FromSeconds(1);
            o.UseJitter = false;
        });
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0", "d1");

        var sending = f.GetAsync();
        await f.Terminal.WaitForRequestsAsync(1);
        await f.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)); // the backoff's timer: never advance before it exists
        f.Time.Advance(TimeSpan.FromMilliseconds(99));
        f.Terminal.Sent.Should().HaveCount(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        await f.Terminal.WaitForRequestsAsync(1);
        await f.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(200));
        f.Time.Advance(TimeSpan.FromMilliseconds(199));
        f.Terminal.Sent.Should().HaveCount(2, "the second backoff is twice the first");
        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending.WaitAsync(FakeTerminalHandler.WaitLimit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1", "d2");
        f.Logs.WithEventId(1040).Select(e => e.Message).Should().Equal(
            $"Cluster '{f.Cluster.Name}': GET request retried (retry 1 of 2) in 00:00:00.1000000 after status 503.",
            $"Cluster '{f.Cluster.Name}': GET request retried (retry 2 of 2) in 00:00:00.2000000 after status 503.");
    }

    [Fact]
    public void The_backoff_grows_exponentially_up_to_MaxDelay_and_the_jitter_stays_between_half_and_all_of_it()
    {
        using var f = ResilienceFixture.Create(
            o =>
            {
                o.BaseDelay = TimeSpan.FromMilliseconds(25);
                o.MaxDelay = TimeSpan.FromMilliseconds(250);
            },
            random: new Random(42));
        var pipeline = f.Handler.Pipeline;

        for (int attempt = 0; attempt < 8; attempt++)
        {
            double ceiling = Math.Min(250, 25 * Math.Pow(2, attempt));
            var delays = Enumerable.Range(0, 500).Select(_ => pipeline.Backoff(attempt).TotalMilliseconds).ToArray();

            delays.Should().OnlyContain(d => d >= ceiling / 2 && d <= ceiling, $"retry {attempt} waits between {ceiling / 2} and {ceiling} ms");
            delays.Distinct().Count().Should().BeGreaterThan(400, "the delays are jittered");
            delays.Average().Should().BeApproximately(ceiling * 0.75, ceiling * 0.03, "the jitter is uniform over the upper half");
        }
    }

    [Fact]
    public void Without_jitter_the_backoff_is_exact()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.BaseDelay = TimeSpan.FromMilliseconds(25);
            o.MaxDelay = TimeSpan.FromMilliseconds(250);
            o.UseJitter = false;
        });

        Enumerable.Range(0, 6).Select(n => f.Handler.Pipeline.Backoff(n).TotalMilliseconds).Should().Equal(25, 50, 100, 200, 250, 250);
    }

    [Theory]
    [InlineData(10, 3)] // 20% of 10 is 2, below the minimum of 3
    [InlineData(20, 4)]
    [InlineData(30, 6)]
    public async Task The_retry_budget_caps_the_retries_in_flight(int requests, int expectedRetries)
    {
        using var f = ResilienceFixture.Create();
        var firstAttempts = new Dictionary<HttpRequestMessage, TaskCompletionSource<HttpResponseMessage>>();
        f.Terminal.Respond = (request, token) =>
        {
            lock (firstAttempts)
            {
                if (!firstAttempts.ContainsKey(request))
                {
                    // First attempts wait until every request is active, then fail one after the other.
                    var first = new TaskCompletionSource<HttpResponseMessage>();
                    firstAttempts[request] = first;
                    return first.Task;
                }
            }

            return FakeTerminalHandler.Hang(token); // retries stay in flight
        };
        using var cancel = new CancellationTokenSource();

        var sends = Enumerable.Range(0, requests).Select(_ => f.GetAsync(cancel.Token)).ToArray();
        await f.Terminal.WaitForRequestsAsync(requests);
        f.Budget.ActiveRequests.Should().Be(requests);
        // Off the test framework's synchronization context, so that each failure's continuations (the retry decision,
        // and for a refused retry the end of its request) run before the next failure is delivered.
        await Task.Run(() =>
        {
            foreach (var first in firstAttempts.Values.ToArray())
            {
                first.SetResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
            }
        });

        await f.Terminal.WaitForRequestsAsync(expectedRetries);
        f.Budget.ActiveRetries.Should().Be(expectedRetries);
        f.Terminal.Sent.Should().HaveCount(requests + expectedRetries);
        f.Metrics.Sum("edgekit.resilience.budget_exhausted", "edgekit.resilience.attempt_kind", "retry").Should().Be(requests - expectedRetries);
        var refused = sends.Where(s => s.IsCompleted).ToArray();
        refused.Should().HaveCount(requests - expectedRetries, "a request whose retry the budget refuses gets the answer before it");
        foreach (var response in refused)
        {
            (await response).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        f.Logs.WithEventId(1042).Should().ContainSingle("the warning is logged at most once per interval").Which.Message.Should().StartWith(
            $"Cluster '{f.Cluster.Name}': retry budget exhausted ({expectedRetries} retries in flight for ");

        await cancel.CancelAsync();
        foreach (var send in sends.Except(refused))
        {
            await send.Invoking(s => s.WaitAsync(FakeTerminalHandler.WaitLimit)).Should().ThrowAsync<OperationCanceledException>();
        }

        f.Budget.ActiveRetries.Should().Be(0);
        f.Budget.ActiveRequests.Should().Be(0);
    }

    [Fact]
    public async Task The_callers_cancellation_counts_against_no_destination_and_is_not_retried()
    {
        using var f = ResilienceFixture.Create();
        f.Terminal.Respond = (_, token) => FakeTerminalHandler.Hang(token);
        using var cancel = new CancellationTokenSource();

        var sending = f.GetAsync(cancel.Token);
        await f.Terminal.WaitForRequestsAsync(1);
        await cancel.CancelAsync();

        await sending.Invoking(s => s.WaitAsync(FakeTerminalHandler.WaitLimit)).Should().ThrowAsync<OperationCanceledException>();
        f.Terminal.Sent.Should().ContainSingle();
        var d0 = f["d0"];
        d0.TotalRequests.Should().Be(0);
        d0.TotalFailures.Should().Be(0);
        d0.InFlight.Should().Be(0);
        f.Retries().Should().Be(0);
        f.Metrics.Of("edgekit.resilience.not_retried").Should().BeEmpty();
    }

    [Fact]
    public async Task The_total_timeout_counts_against_no_destination_only_the_attempt_timeout_before_it_does()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(800);
            o.TotalTimeout = TimeSpan.FromSeconds(1);
        });
        f.Terminal.Respond = (_, token) => FakeTerminalHandler.Hang(token);

        var sending = f.GetAsync();
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(800)); // d0's attempt times out; the retry goes to d1
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(200)); // the total timeout cuts d1's attempt short

        var thrown = await sending.Invoking(s => s.WaitAsync(FakeTerminalHandler.WaitLimit)).Should().ThrowAsync<TimeoutRejectedException>();
        thrown.Which.Timeout.Should().Be(TimeSpan.FromSeconds(1));
        f.Terminal.Destinations.Should().Equal("d0", "d1");
        f["d0"].TotalFailures.Should().Be(1);
        f["d1"].TotalFailures.Should().Be(0);
        f["d1"].TotalRequests.Should().Be(0, "a cancelled attempt says nothing about its destination");
        f["d1"].InFlight.Should().Be(0);
        f.Retries("cancelled").Should().Be(1);
        f.Budget.ActiveRetries.Should().Be(0);
    }

    [Fact]
    public async Task A_backoff_that_would_outlast_the_total_timeout_is_not_waited()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.BaseDelay = TimeSpan.FromSeconds(2);
            o.MaxDelay = TimeSpan.FromSeconds(2);
            o.UseJitter = false;
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.TotalTimeout = TimeSpan.FromSeconds(1.5);
        });
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the caller gets the real answer rather than a timeout later");
        f.Terminal.Sent.Should().ContainSingle();
        f.NotRetried("total-timeout").Should().Be(1);
    }

    [Fact]
    public async Task No_available_destination_is_not_retried()
    {
        using var f = ResilienceFixture.Create(health: h => h.PanicThreshold = 0);
        foreach (var destination in f.Cluster.Snapshot.AllDestinations)
        {
            f.Cluster.SetHealth(destination, EdgeKit.Destinations.DestinationHealth.Unhealthy);
        }

        var act = () => f.GetAsync();

        await act.Should().ThrowAsync<NoAvailableDestinationException>();
        f.Terminal.Sent.Should().BeEmpty();
    }

    [Fact]
    public async Task Outlier_detection_is_the_per_destination_breaker_it_opens_half_opens_and_reopens_for_longer()
    {
        using var f = ResilienceFixture.Create(health: h =>
        {
            h.OutlierDetection.Enabled = true;
            h.OutlierDetection.Consecutive5xx = 0;
            h.OutlierDetection.ConsecutiveGatewayFailures = 3;
            h.OutlierDetection.SuccessRateEnabled = false;
            h.OutlierDetection.BaseEjectionTime = TimeSpan.FromSeconds(30);
            h.OutlierDetection.Interval = TimeSpan.FromHours(1); // no multiplier decay during the test
        });
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");
        var d0 = f["d0"];

        for (int i = 0; i < 3; i++)
        {
            (await f.GetAsync()).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        d0.IsEjected.Should().BeTrue("three gateway failures in a row open d0's breaker");
        for (int i = 0; i < 5; i++)
        {
            (await f.GetAsync()).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        f.Terminal.Destinations.Count(d => d == "d0").Should().Be(3, "an ejected destination gets no requests while another can serve them");

        f.Time.Advance(TimeSpan.FromSeconds(30)); // half-open: readmitted
        d0.IsEjected.Should().BeFalse();
        for (int i = 0; i < 3; i++)
        {
            (await f.GetAsync()).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        d0.IsEjected.Should().BeTrue("it failed again");
        d0.EjectionCount.Should().Be(2);
        f.Time.GetElapsedTime(f.Time.GetTimestamp(), d0.EjectedUntil).Should().Be(TimeSpan.FromSeconds(60), "the second ejection lasts twice the first");
        f["d1"].IsEjected.Should().BeFalse();
        f["d2"].IsEjected.Should().BeFalse();
        f.Terminal.Destinations.Count(d => d == "d0").Should().Be(6);
    }

    [Fact]
    public async Task A_destination_whose_attempts_time_out_is_ejected_for_consecutive_gateway_failures()
    {
        using var f = ResilienceFixture.Create(
            o => o.AttemptTimeout = TimeSpan.FromSeconds(1),
            h =>
            {
                h.OutlierDetection.Enabled = true;
                h.OutlierDetection.Consecutive5xx = 0;
                h.OutlierDetection.ConsecutiveGatewayFailures = 3;
                h.OutlierDetection.SuccessRateEnabled = false;
            });
        f.Terminal.Respond = (request, token) => ResilienceFixture.IdOf(request) == "d0" ? FakeTerminalHandler.Hang(token) : FakeTerminalHandler.Answer(request, HttpStatusCode.OK);

        for (int i = 0; i < 3; i++)
        {
            var sending = f.GetAsync();
            await f.Terminal.WaitForRequestsAsync(1);
            f.Time.Advance(TimeSpan.FromSeconds(1));
            await f.Terminal.WaitForRequestsAsync(1);
            (await sending.WaitAsync(FakeTerminalHandler.WaitLimit)).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        f["d0"].IsEjected.Should().BeTrue();
        f.Metrics.Of("edgekit.health.ejections").Should().ContainSingle().Which.Tags["edgekit.health.reason"].Should().Be("consecutive-gateway-failure");
        using var after = await f.GetAsync();
        f.Terminal.Destinations.Should().Equal("d0", "d1", "d0", "d1", "d0", "d1", "d1");
    }

    [Fact]
    public async Task A_hedged_attempt_goes_to_a_destination_that_no_other_attempt_is_on_and_the_losers_count_for_nothing()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.Hedging.Enabled = true;
            o.Hedging.Delay = TimeSpan.FromMilliseconds(100);
            o.Hedging.MaxHedgedAttempts = 2;
        });
        f.Terminal.Respond = (request, token) => ResilienceFixture.IdOf(request) == "d2" ? FakeTerminalHandler.Answer(request, HttpStatusCode.OK) : FakeTerminalHandler.Hang(token);

        var sending = f.SendAsync(HttpMethod.Get, configure: r => r.Headers.Add("X-Request-Id", "42"));
        await f.Terminal.WaitForRequestsAsync(1);
        await f.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)); // the hedging delay: never advance before it exists
        f.Time.Advance(TimeSpan.FromMilliseconds(100));
        await f.Terminal.WaitForRequestsAsync(1);
        await f.Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100), occurrence: 2);
        f.Time.Advance(TimeSpan.FromMilliseconds(100));
        using var response = await sending.WaitAsync(FakeTerminalHandler.WaitLimit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal(["d0", "d1", "d2"], "each copy avoids the destinations the others are in flight on");
        f.Terminal.Sent.Should().OnlyContain(s => s.Method == HttpMethod.Get && s.Request.Headers.GetValues("X-Request-Id").Single() == "42");
        f.Terminal.Sent.Select(s => s.Request).Distinct().Should().HaveCount(3, "hedged attempts are copies of the request");
        foreach (var id in new[] { "d0", "d1" })
        {
            f[id].TotalFailures.Should().Be(0, "a slower copy that is cancelled did nothing wrong");
            f[id].InFlight.Should().Be(0);
        }

        f.Metrics.Sum("edgekit.resilience.hedges").Should().Be(2);
        f.Budget.ActiveRetries.Should().Be(0);
    }

    [Fact]
    public async Task A_hedged_copy_that_fails_lets_the_next_go_at_once_to_another_destination()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.Hedging.Enabled = true;
            o.Hedging.Delay = TimeSpan.FromSeconds(1);
        });
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");

        using var response = await f.GetAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task A_POST_is_never_hedged()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.Hedging.Enabled = true;
            o.Hedging.Delay = TimeSpan.FromMilliseconds(100);
        });
        f.Terminal.Respond = (_, token) => FakeTerminalHandler.Hang(token);

        var sending = f.SendAsync(HttpMethod.Post, new StringContent("{}"));
        await f.Terminal.WaitForRequestsAsync(1);
        f.Time.Advance(TimeSpan.FromMilliseconds(500));
        f.Terminal.Sent.Should().ContainSingle();
        f.Time.Advance(TimeSpan.FromMilliseconds(500));

        await sending.Invoking(s => s.WaitAsync(FakeTerminalHandler.WaitLimit)).Should().ThrowAsync<TimeoutRejectedException>();
        f.Terminal.Sent.Should().ContainSingle();
        f.Metrics.Sum("edgekit.resilience.hedges").Should().Be(0);
    }

    [Fact]
    public async Task A_hedge_the_budget_refuses_is_not_sent_and_no_other_is_tried_until_an_attempt_ends()
    {
        using var f = ResilienceFixture.Create(o =>
        {
            o.Hedging.Enabled = true;
            o.Hedging.Delay = TimeSpan.Zero; // all copies at once: the refusal must not make Polly ask again in a loop
            o.Hedging.MaxHedgedAttempts = 2;
            o.RetryBudget.MinRetryConcurrency = 0;
            o.RetryBudget.BudgetPercent = 0;
        });
        f.Terminal.Respond = (_, token) => FakeTerminalHandler.Hang(token);
        using var cancel = new CancellationTokenSource();

        var sending = f.GetAsync(cancel.Token);

        f.Terminal.Sent.Should().ContainSingle();
        f.Metrics.Sum("edgekit.resilience.budget_exhausted", "edgekit.resilience.attempt_kind", "hedge").Should().Be(1);
        f.Metrics.Sum("edgekit.resilience.hedges").Should().Be(0);
        await cancel.CancelAsync();
        await sending.Invoking(s => s.WaitAsync(FakeTerminalHandler.WaitLimit)).Should().ThrowAsync<OperationCanceledException>();
        f.Metrics.Sum("edgekit.resilience.budget_exhausted", "edgekit.resilience.attempt_kind", "hedge").Should().Be(1);
    }

    [Fact]
    public void The_synchronous_path_retries_too()
    {
        using var f = ResilienceFixture.Create();
        f.Fail(HttpStatusCode.ServiceUnavailable, "d0");

        using var response = f.Invoker.Send(new HttpRequestMessage(HttpMethod.Get, "http://orders/sync"), default);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        f.Terminal.Destinations.Should().Equal("d0", "d1");
    }

    [Fact]
    public async Task A_handler_put_between_it_and_its_balancer_is_refused()
    {
        using var f = ResilienceFixture.Create();
        var balancing = new BalancingHandler(f.Cluster, new FakeTerminalHandler());
        using var handler = new EdgeKitResilienceHandler(balancing) { InnerHandler = new PassThrough(balancing) };
        using var invoker = new HttpMessageInvoker(handler);

        var act = () => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders/"), default);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage(
            $"EdgeKit cluster '{f.Cluster.Name}': the EdgeKit resilience handler must sit directly in front of its BalancingHandler, but its inner handler is PassThrough. "
            + "Add handlers before AddEdgeKitResilience() or after AddEdgeKitBalancing(), not between them.");
    }

    [Fact]
    public async Task A_pipeline_of_another_cluster_cannot_send_its_attempts_through_a_balancing_handler()
    {
        using var f = ResilienceFixture.Create();
        using var other = ResilienceFixture.Create();
        var balancing = new BalancingHandler(f.Cluster, f.Terminal);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://orders/");

        var act = () => other.Handler.Pipeline.SendAsync(balancing, request, default);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage(
            $"EdgeKit cluster '{f.Cluster.Name}': this BalancingHandler was given an attempt of a resilience pipeline of cluster '{other.Cluster.Name}'. "
            + "A pipeline's attempts go to its own cluster: create the pipeline for the handler's cluster (BalancingHandler.Cluster).");
        f.Terminal.Sent.Should().BeEmpty();
        f["d0"].TotalRequests.Should().Be(0);
        other["d0"].TotalRequests.Should().Be(0);
    }

    [Fact]
    public void Invalid_options_are_refused_by_the_constructor_with_every_problem()
    {
        using var f = ResilienceFixture.Create();

        var act = () => new EdgeKitResilienceHandler(new BalancingHandler(f.Cluster), new EdgeKitResilienceOptions { MaxRetryAttempts = -1, AttemptTimeout = TimeSpan.Zero });

        act.Should().Throw<ArgumentException>().WithMessage(
            "EdgeKit resilience: MaxRetryAttempts must be between 0 (no retries) and 10, was -1." + Environment.NewLine
            + "EdgeKit resilience: AttemptTimeout must be between 10 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was 00:00:00.*");
    }

    [Fact]
    public void The_options_are_a_copy()
    {
        var options = new EdgeKitResilienceOptions { MaxRetryAttempts = 4 };
        using var f = ResilienceFixture.Create();
        using var handler = new EdgeKitResilienceHandler(new BalancingHandler(f.Cluster), options);

        options.MaxRetryAttempts = 7;

        handler.Options.MaxRetryAttempts.Should().Be(4);
    }

    private sealed class PassThrough(HttpMessageHandler inner) : DelegatingHandler(inner);
}
