using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using EdgeKit.Aggregation;
using EdgeKit.Configuration;
using EdgeKit.Tests.TestSupport;

namespace EdgeKit.Tests.Aggregation;

public class AggregatorTests
{
    private const string BadGateway = "https://tools.ietf.org/html/rfc9110#section-15.6.3";
    private const string GatewayTimeout = "https://tools.ietf.org/html/rfc9110#section-15.6.5";

    private readonly AggregatorFixture _fixture = new();

    [Fact]
    public async Task Legs_are_written_under_their_names_in_declaration_order_as_the_backends_sent_them()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7, "total": 12.50}""").OnJson("/stock", """[1,2]""");
        var aggregator = _fixture.Create(AggregatorFixture.Options(("order", "/orders/{id}"), ("stock", "/stock")));

        var (result, body) = await _fixture.RunAsync(aggregator, new AggregateRequest().WithArgument("id", "7"));

        result.StatusCode.Should().Be(200);
        result.ContentType.Should().Be("application/json; charset=utf-8");
        body.Should().Be("""{"order":{"id":7, "total": 12.50},"stock":[1,2]}""");
        result.MissingLegs.Should().BeEmpty();
        result.Legs.Select(l => (l.Name, l.Outcome)).Should().Equal(("order", AggregateLegOutcome.Success), ("stock", AggregateLegOutcome.Success));
    }

    [Fact]
    public async Task Leg_paths_are_relative_to_the_clients_base_address_including_its_path()
    {
        _fixture.Backend.OnJson("/api/urn:x", "1");
        var client = new HttpClient(_fixture.Backend) { BaseAddress = new Uri("http://backend/api/") };
        var aggregator = new Aggregator("agg", AggregatorFixture.Options(("a", "/urn:x")), _ => client, _fixture.Time);

        var (result, _) = await _fixture.RunAsync(aggregator);

        result.StatusCode.Should().Be(200);
        _fixture.Backend.Received.Single().Uri.Should().Be("http://backend/api/urn:x");
    }

    [Fact]
    public async Task Independent_legs_are_in_flight_at_the_same_time()
    {
        var release = new TaskCompletionSource();
        _fixture.Backend.On("/a", async (_, _) => { await release.Task; return FakeLegHandler.Json("1"); })
            .On("/b", async (_, _) => { await release.Task; return FakeLegHandler.Json("2"); });
        var aggregator = _fixture.Create(AggregatorFixture.Options(("a", "/a"), ("b", "/b")));

        var run = _fixture.RunAsync(aggregator);
        await _fixture.Backend.WaitForRequestsAsync(2);
        _fixture.Backend.MaxInFlight.Should().Be(2);
        release.SetResult();

        (await run).Body.Should().Be("""{"a":1,"b":2}""");
    }

    [Fact]
    public async Task A_dependent_leg_is_sent_after_its_source_with_the_value_from_its_response()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7,"customer":{"id":"c/7 x"},"lines":[{"sku":"s1"}]}""")
            .OnJson("/customers/c%2F7%20x", """{"name":"Ada"}""")
            .OnJson("/skus/s1", """{"sku":"s1"}""");
        var options = AggregatorFixture.Options(("customer", "/customers/{order.customer.id}"), ("first", "/skus/{order.lines.0.sku}"), ("order", "/orders/{id}"));

        var (result, body) = await _fixture.RunAsync(_fixture.Create(options), new AggregateRequest().WithArgument("id", "7"));

        result.StatusCode.Should().Be(200);
        body.Should().Be("""{"customer":{"name":"Ada"},"first":{"sku":"s1"},"order":{"id":7,"customer":{"id":"c/7 x"},"lines":[{"sku":"s1"}]}}""");
        _fixture.Backend.Received[0].Uri.Should().Be("http://backend/orders/7");
    }

    [Fact]
    public async Task A_fan_out_sends_one_request_per_element_within_the_cap_and_keeps_the_elements_order()
    {
        var gates = Enumerable.Range(0, 5).Select(_ => new TaskCompletionSource()).ToArray();
        _fixture.Backend.OnJson("/orders/1", """{"items":[{"p":0},{"p":1},{"p":2},{"p":3},{"p":4}]}""")
            .On("/products/*", async (request, _) =>
            {
                int p = int.Parse(request.RequestUri!.Segments[^1], System.Globalization.CultureInfo.InvariantCulture);
                await gates[p].Task;
                return FakeLegHandler.Json($$"""{"product":{{p}}}""");
            });
        var options = AggregatorFixture.Options(("order", "/orders/1"));
        options.AddLeg("products", l => { l.Cluster = "backend"; l.Path = "/products/{item.p}"; l.ForEach = "order.items"; l.MaxConcurrency = 2; });

        var run = _fixture.RunAsync(_fixture.Create(options));
        await _fixture.Backend.WaitForRequestsAsync(3); // the order and the first two products
        gates[1].SetResult(); // out of order
        await _fixture.Backend.WaitForRequestsAsync(1);
        foreach (var gate in gates)
        {
            gate.TrySetResult();
        }

        var (result, body) = await run;
        result.StatusCode.Should().Be(200);
        _fixture.Backend.Received.Count(r => r.Uri.Contains("/products/", StringComparison.Ordinal)).Should().Be(5);
        _fixture.Backend.MaxInFlight.Should().Be(2);
        body.Should().Be("""{"order":{"items":[{"p":0},{"p":1},{"p":2},{"p":3},{"p":4}]},"products":[{"product":0},{"product":1},{"product":2},{"product":3},{"product":4}]}""");
    }

    [Fact]
    public async Task A_fan_out_over_an_empty_array_sends_nothing_and_writes_an_empty_array()
    {
        _fixture.Backend.OnJson("/orders/1", """{"items":[]}""");
        var options = AggregatorFixture.Options(("order", "/orders/1"));
        options.AddLeg("products", l => { l.Cluster = "backend"; l.Path = "/products/{item.p}"; l.ForEach = "order.items"; });

        var (_, body) = await _fixture.RunAsync(_fixture.Create(options));

        body.Should().Be("""{"order":{"items":[]},"products":[]}""");
        _fixture.Backend.Received.Should().ContainSingle();
    }

    [Fact]
    public async Task A_failing_required_leg_fails_the_aggregate_with_502_and_a_problem_naming_it()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7}""").OnJson("/customers/1", """{"error":true}""", HttpStatusCode.InternalServerError);
        var aggregator = _fixture.Create(AggregatorFixture.Options(("order", "/orders/7"), ("customer", "/customers/1")), "order-details");

        var (result, body) = await _fixture.RunAsync(aggregator);

        result.StatusCode.Should().Be(502);
        result.ContentType.Should().Be("application/problem+json; charset=utf-8");
        result.CacheControl.Should().Be("no-store");
        body.Should().Be($$"""{"type":"{{BadGateway}}","title":"Bad Gateway","status":502,"detail":"The required leg 'customer' of aggregate 'order-details' failed: the backend answered 500.","aggregate":"order-details","leg":"customer","outcome":"bad_status","legStatus":500}""");
        result.Legs.Single(l => l.Name == "customer").Should().BeEquivalentTo(new { Outcome = AggregateLegOutcome.BadStatus, StatusCode = 500, Required = true });
    }

    [Fact]
    public async Task A_required_failure_cancels_the_legs_still_running()
    {
        var cancelled = new TaskCompletionSource();
        _fixture.Backend.On("/slow", async (_, token) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.SetResult();
                throw;
            }

            return FakeLegHandler.Json("1");
        }).OnJson("/broken", "{}", HttpStatusCode.ServiceUnavailable);
        var aggregator = _fixture.Create(AggregatorFixture.Options(("slow", "/slow"), ("broken", "/broken")));

        var (result, _) = await _fixture.RunAsync(aggregator);

        result.StatusCode.Should().Be(502);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        result.Legs.Select(l => (l.Name, l.Outcome)).Should().Equal(("slow", AggregateLegOutcome.Cancelled), ("broken", AggregateLegOutcome.BadStatus));
    }

    [Fact]
    public async Task A_failed_optional_leg_is_left_out_and_listed_as_missing_in_the_body_and_a_header()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7}""").OnJson("/recommendations", "{}", HttpStatusCode.InternalServerError);
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("recommendations", "/recommendations"));
        options.Legs[1].Required = false;

        var (result, body) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(200);
        body.Should().Be("""{"order":{"id":7},"_missing":["recommendations"]}""");
        result.MissingLegs.Should().Equal("recommendations");
        result.Headers.Should().Contain(new KeyValuePair<string, string>("EdgeKit-Missing-Legs", "recommendations"));
        result.CacheControl.Should().Be("no-store");
    }

    [Fact]
    public async Task A_failed_optional_leg_with_a_default_writes_the_default_and_is_still_listed_as_missing()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7}""");
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("recommendations", "/recommendations"), ("reviews", "/reviews"));
        options.Legs[1].Required = false;
        options.Legs[1].Default = "[]";
        options.Legs[2].Required = false;
        options.MissingProperty = "missing";

        var (result, body) = await _fixture.RunAsync(_fixture.Create(options));

        body.Should().Be("""{"order":{"id":7},"recommendations":[],"missing":["recommendations","reviews"]}""");
        result.Headers.Should().Contain(new KeyValuePair<string, string>("EdgeKit-Missing-Legs", "recommendations, reviews"));
    }

    [Fact]
    public async Task A_required_leg_past_its_timeout_fails_the_aggregate_with_504()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7}""").On("/slow", async (_, token) => await FakeTerminalHandler.Hang(token));
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("slow", "/slow"));
        options.Legs[1].Timeout = TimeSpan.FromSeconds(2);

        var run = _fixture.RunAsync(_fixture.Create(options));
        await _fixture.Backend.WaitForRequestsAsync(2);
        _fixture.Time.Advance(TimeSpan.FromMilliseconds(1999));
        run.IsCompleted.Should().BeFalse();
        _fixture.Time.Advance(TimeSpan.FromMilliseconds(1));
        var (result, body) = await run;

        result.StatusCode.Should().Be(504);
        body.Should().Be($$"""{"type":"{{GatewayTimeout}}","title":"Gateway Timeout","status":504,"detail":"The required leg 'slow' of aggregate 'agg' failed: it did not complete within its timeout of 2 s.","aggregate":"agg","leg":"slow","outcome":"timeout"}""");
    }

    [Fact]
    public async Task A_timed_out_required_leg_is_a_504_even_when_a_leg_depending_on_it_cannot_run()
    {
        _fixture.Backend.On("/orders/7", async (_, token) => await FakeTerminalHandler.Hang(token));
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("customer", "/customers/{order.customerId}"));
        options.Legs[0].Timeout = TimeSpan.FromSeconds(1);

        var run = _fixture.RunAsync(_fixture.Create(options));
        await _fixture.Backend.WaitForRequestsAsync(1);
        _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var (result, _) = await run;

        result.StatusCode.Should().Be(504);
        result.Legs.Select(l => l.Outcome).Should().Equal(AggregateLegOutcome.Timeout, AggregateLegOutcome.Cancelled);
    }

    [Fact]
    public async Task An_optional_leg_past_its_timeout_is_missing_and_the_rest_is_served()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7}""").On("/slow", async (_, token) => await FakeTerminalHandler.Hang(token));
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("slow", "/slow"));
        options.Legs[1].Timeout = TimeSpan.FromMilliseconds(250);
        options.Legs[1].Required = false;

        var run = _fixture.RunAsync(_fixture.Create(options));
        await _fixture.Backend.WaitForRequestsAsync(2);
        _fixture.Time.Advance(TimeSpan.FromMilliseconds(250));
        var (result, body) = await run;

        result.StatusCode.Should().Be(200);
        body.Should().Be("""{"order":{"id":7},"_missing":["slow"]}""");
        result.Legs[1].Detail.Should().Be("it did not complete within its timeout of 250 ms");
    }

    [Fact]
    public async Task A_response_over_the_legs_bound_fails_without_being_read_when_its_length_is_announced()
    {
        _fixture.Backend.OnJson("/big", "[" + new string('1', 100) + "]");
        var options = AggregatorFixture.Options(("big", "/big"));
        options.Legs[0].MaxResponseBytes = 50;

        var (result, body) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(502);
        body.Should().Contain("\"detail\":\"The required leg 'big' of aggregate 'agg' failed: the response of leg 'big' is larger than its bound of 50 bytes (Content-Length 102).\"")
            .And.Contain("\"outcome\":\"too_large\"");
    }

    [Fact]
    public async Task An_endless_response_is_cut_off_at_the_bound()
    {
        var endless = new EndlessStream();
        _fixture.Backend.On("/endless", (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(endless) }));
        var options = AggregatorFixture.Options(("endless", "/endless"));
        options.Legs[0].MaxResponseBytes = 100_000;

        var (result, _) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(502);
        result.Legs[0].Detail.Should().Be("the response of leg 'endless' is larger than its bound of 100000 bytes");
        endless.BytesRead.Should().BeInRange(100_001, 100_000 + 16 * 1024);
    }

    [Fact]
    public async Task The_legs_together_over_the_aggregates_bound_fail_it()
    {
        _fixture.Backend.OnJson("/a", "\"" + new string('a', 60) + "\"").OnJson("/b", "\"" + new string('b', 60) + "\"");
        var options = AggregatorFixture.Options(("a", "/a"));
        options.Legs.Add(new AggregateLegOptions { Name = "b", Cluster = "backend", Path = "/b", ForEach = null });
        options.Legs[1].Path = "/b?after={a}"; // runs after a, so the bound is crossed by b
        options.Legs[1].Required = false; // even an optional leg crossing the total fails the aggregate
        options.MaxResponseBytes = 100;

        var (result, body) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(502);
        body.Should().Contain("\"detail\":\"The legs of aggregate 'agg' together returned more than its bound of 100 bytes (crossed by leg 'b').\"");
    }

    [Fact]
    public async Task A_response_that_is_not_json_fails_the_leg()
    {
        _fixture.Backend.On("/html", (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>") }));
        var options = AggregatorFixture.Options(("page", "/html"));

        var (result, _) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(502);
        result.Legs[0].Outcome.Should().Be(AggregateLegOutcome.InvalidJson);
        result.Legs[0].Detail.Should().Be("the response of leg 'page' is not valid JSON");
    }

    [Fact]
    public async Task A_value_missing_from_the_source_fails_the_dependent_leg_without_sending_it()
    {
        _fixture.Backend.OnJson("/orders/7", """{"id":7,"customerId":null}""");
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("customer", "/customers/{order.customerId}"));

        var (result, _) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(502);
        result.Legs[1].Outcome.Should().Be(AggregateLegOutcome.DependencyFailed);
        result.Legs[1].Detail.Should().Be("the response of leg 'order' has no value at {order.customerId}");
        _fixture.Backend.Received.Should().ContainSingle();
    }

    [Theory]
    [InlineData("/customers/{order.customerId}")]
    [InlineData("/customers?id={order.customerId}")]
    public async Task A_source_value_that_is_not_valid_Unicode_fails_the_dependent_leg_without_sending_it(string path)
    {
        // Found by AggregateTemplatePropertyTests: "\ud800" is valid JSON, but reading it as a string threw
        // InvalidOperationException, which failed the leg as RequestFailed with .NET's message although nothing was sent.
        _fixture.Backend.OnJson("/orders/7", """{"customerId":"a\ud800"}""");
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("customer", path));

        var (result, _) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(502);
        result.Legs[1].Outcome.Should().Be(AggregateLegOutcome.DependencyFailed);
        result.Legs[1].Detail.Should().Be("the value of {order.customerId} contains a string that is not valid Unicode text, which cannot be inserted");
        _fixture.Backend.Received.Should().ContainSingle();
    }

    [Fact]
    public async Task A_leg_depending_on_a_failed_optional_leg_is_missing_too()
    {
        _fixture.Backend.OnJson("/orders/7", "{}", HttpStatusCode.NotFound);
        var options = AggregatorFixture.Options(("order", "/orders/7"), ("customer", "/customers/{order.customerId}"));
        options.Legs[0].Required = false;
        options.Legs[1].Required = false;

        var (result, body) = await _fixture.RunAsync(_fixture.Create(options));

        result.StatusCode.Should().Be(200);
        body.Should().Be("""{"_missing":["order","customer"]}""");
        result.Legs[1].Detail.Should().Be("leg 'order', which it depends on, failed");
    }

    [Fact]
    public async Task Merged_legs_put_their_properties_at_the_top_the_first_writer_of_a_name_winning()
    {
        _fixture.Backend.OnJson("/a", """{"id":1,"name":"a","order":"shadowed"}""").OnJson("/b", """{"id":2,"extra":{"x":[1,"y"]}}""").OnJson("/order", "true");
        var options = AggregatorFixture.Options(("a", "/a"), ("b", "/b"), ("order", "/order"));
        options.Legs[0].Output = AggregateLegOutput.Merge;
        options.Legs[1].Output = AggregateLegOutput.Merge;

        var (_, body) = await _fixture.RunAsync(_fixture.Create(options));

        body.Should().Be("""{"id":1,"name":"a","extra":{"x":[1,"y"]},"order":true}""");
    }

    [Fact]
    public async Task A_merged_leg_that_is_not_an_object_fails()
    {
        _fixture.Backend.OnJson("/a", "[1]");
        var options = AggregatorFixture.Options(("a", "/a"));
        options.Legs[0].Output = AggregateLegOutput.Merge;

        var (result, _) = await _fixture.RunAsync(_fixture.Create(options));

        result.Legs[0].Detail.Should().Be("the response of leg 'a' is merged but is not a JSON object");
    }

    [Fact]
    public async Task A_leg_with_output_none_feeds_others_but_is_not_written_and_property_renames()
    {
        _fixture.Backend.OnJson("/session", """{"user":"u1"}""").OnJson("/users/u1", """{"name":"Ada"}""");
        var options = AggregatorFixture.Options(("session", "/session"), ("user", "/users/{session.user}"));
        options.Legs[0].Output = AggregateLegOutput.None;
        options.Legs[1].Property = "me";

        var (_, body) = await _fixture.RunAsync(_fixture.Create(options));

        body.Should().Be("""{"me":{"name":"Ada"}}""");
    }

    [Fact]
    public async Task A_missing_argument_is_a_400_problem_and_no_leg_is_sent()
    {
        var aggregator = _fixture.Create(AggregatorFixture.Options(("order", "/orders/{id}")));

        var (result, body) = await _fixture.RunAsync(aggregator);

        result.StatusCode.Should().Be(400);
        body.Should().Be("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,"detail":"The aggregate 'agg' needs the argument 'id', which the request does not have.","aggregate":"agg"}""");
        _fixture.Backend.Received.Should().BeEmpty();
    }

    [Fact]
    public async Task Credentials_are_forwarded_by_default_other_headers_not_and_a_leg_can_forward_none()
    {
        _fixture.Backend.OnJson("/a", "1").OnJson("/third-party", "2");
        var options = AggregatorFixture.Options(("a", "/a"), ("ext", "/third-party"));
        options.Legs[1].ForwardedRequestHeaders = [];
        options.Legs[1].Headers["X-Api-Key"] = "k-{tenant}";
        var request = new AggregateRequest().WithArgument("tenant", "t1")
            .WithHeader("Authorization", "Bearer abc").WithHeader("Cookie", "s=1").WithHeader("X-Other", "no").WithHeader("Accept-Language", "fr");

        await _fixture.RunAsync(_fixture.Create(options), request);

        var a = _fixture.Backend.Received.Single(r => r.Uri.EndsWith("/a", StringComparison.Ordinal));
        a.Headers.Should().Contain("Authorization", "Bearer abc").And.Contain("Cookie", "s=1").And.Contain("Accept-Language", "fr").And.NotContainKey("X-Other");
        var ext = _fixture.Backend.Received.Single(r => r.Uri.EndsWith("/third-party", StringComparison.Ordinal));
        ext.Headers.Should().NotContainKey("Authorization").And.NotContainKey("Cookie").And.Contain("X-Api-Key", "k-t1");
    }

    [Fact]
    public async Task A_post_leg_sends_its_body_template_with_values_as_json()
    {
        _fixture.Backend.OnJson("/orders/7", """{"customer":{"id":42,"tags":["a"]},"name":"Ada \"A\""}""").OnJson("/quotes", """{"price":3}""");
        var options = AggregatorFixture.Options(("order", "/orders/{id}"));
        options.AddLeg("quote", l =>
        {
            l.Cluster = "backend";
            l.Method = "POST";
            l.Path = "/quotes";
            l.Body = """{"customer": {order.customer.id}, "tags": {order.customer.tags}, "name": {order.name}, "ref": {id}}""";
        });

        var (result, _) = await _fixture.RunAsync(_fixture.Create(options), new AggregateRequest().WithArgument("id", "7"));

        result.StatusCode.Should().Be(200);
        var quote = _fixture.Backend.Received.Single(r => r.Method == "POST");
        quote.Body.Should().Be("""{"customer": 42, "tags": ["a"], "name": "Ada \"A\"", "ref": "7"}""");
        quote.ContentType.Should().Be("application/json");
    }

    [Theory]
    [InlineData("max-age=60", "max-age=30, private", "private, max-age=30")]
    [InlineData("max-age=60", "max-age=120", "max-age=60")]
    [InlineData("max-age=60", "no-store", "no-store")]
    [InlineData("max-age=60", "no-cache", "no-cache")]
    [InlineData("max-age=60", null, "no-cache")]
    [InlineData("private, max-age=10", null, "private, no-cache")]
    public async Task Cache_control_is_the_most_restrictive_of_the_legs(string first, string? second, string expected)
    {
        _fixture.Backend.OnJson("/a", "1", cacheControl: first).OnJson("/b", "2", cacheControl: second);

        var (result, _) = await _fixture.RunAsync(_fixture.Create(AggregatorFixture.Options(("a", "/a"), ("b", "/b"))));

        result.CacheControl.Should().Be(expected);
    }

    [Fact]
    public async Task Set_cookie_and_other_leg_headers_are_not_passed_on_vary_is_combined()
    {
        _fixture.Backend.On("/a", (_, _) =>
        {
            var response = FakeLegHandler.Json("1", cacheControl: "max-age=5");
            response.Headers.TryAddWithoutValidation("Set-Cookie", "s=1");
            response.Headers.TryAddWithoutValidation("Vary", "Accept-Language");
            response.Headers.TryAddWithoutValidation("ETag", "\"x\"");
            return Task.FromResult(response);
        }).On("/b", (_, _) =>
        {
            var response = FakeLegHandler.Json("2", cacheControl: "max-age=5");
            response.Headers.TryAddWithoutValidation("Vary", "accept-language, Cookie");
            return Task.FromResult(response);
        });

        var (result, _) = await _fixture.RunAsync(_fixture.Create(AggregatorFixture.Options(("a", "/a"), ("b", "/b"))));

        result.Headers.Should().Equal(new KeyValuePair<string, string>("Cache-Control", "max-age=5"), new KeyValuePair<string, string>("Vary", "Accept-Language, Cookie"));
    }

    [Fact]
    public async Task A_caller_that_goes_away_cancels_the_legs()
    {
        _fixture.Backend.On("/slow", async (_, token) => await FakeTerminalHandler.Hang(token));
        using var caller = new CancellationTokenSource();
        var run = _fixture.Create(AggregatorFixture.Options(("slow", "/slow"))).ExecuteAsync(new AggregateRequest(), caller.Token);
        await _fixture.Backend.WaitForRequestsAsync(1);

        await caller.CancelAsync();

        await run.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task The_stream_and_pipe_writers_write_the_same_bytes_as_the_buffer_writer()
    {
        _fixture.Backend.OnJson("/a", """{"x":[1,2,3]}""").OnJson("/b", "\"b\"");
        var options = AggregatorFixture.Options(("a", "/a"), ("b", "/b"));
        options.Legs[1].Required = false;
        options.AddLeg("c", l => { l.Cluster = "backend"; l.Path = "/none"; l.Required = false; l.Default = "{}"; });
        using var result = await _fixture.Create(options).ExecuteAsync(new AggregateRequest());

        using var stream = new MemoryStream();
        await result.WriteToAsync(stream);
        var pipe = new Pipe();
        await result.WriteToAsync(pipe.Writer);
        await pipe.Writer.CompleteAsync();
        var piped = await pipe.Reader.ReadAsync();

        string expected = """{"a":{"x":[1,2,3]},"b":"b","c":{},"_missing":["c"]}""";
        AggregatorFixture.Write(result).Should().Be(expected);
        Encoding.UTF8.GetString(stream.ToArray()).Should().Be(expected);
        Encoding.UTF8.GetString(piped.Buffer.FirstSpan).Should().Be(expected);
    }

    [Fact]
    public async Task Each_leg_is_counted_by_outcome_and_gets_a_span()
    {
        string name = "metrics-" + Guid.NewGuid().ToString("N");
        var legs = new List<(string Leg, string Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.aggregation.legs")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if (Equals(map["edgekit.aggregate"], name))
            {
                lock (legs)
                {
                    legs.Add(((string)map["edgekit.aggregation.leg"]!, (string)map["edgekit.outcome"]!));
                }
            }
        });
        listener.Start();
        using var recorder = new SpanRecorder("edgekit.aggregate", name);
        _fixture.Backend.OnJson("/a", "1").OnJson("/b", "{}", HttpStatusCode.NotFound);
        var options = AggregatorFixture.Options(("a", "/a"), ("b", "/b"));
        options.Legs[1].Required = false;

        await _fixture.RunAsync(_fixture.Create(options, name));

        legs.Should().BeEquivalentTo([("a", "success"), ("b", "bad_status")]);
        var spans = recorder.Spans;
        spans.Select(s => s.OperationName).Should().BeEquivalentTo(["edgekit.aggregate.leg", "edgekit.aggregate.leg", "edgekit.aggregate"]);
        var root = spans.Single(s => s.OperationName == "edgekit.aggregate");
        spans.Where(s => s.OperationName == "edgekit.aggregate.leg").Should().OnlyContain(s => s.ParentSpanId == root.SpanId);
        spans.Single(s => Equals(s.GetTagItem("edgekit.aggregation.leg"), "b")).Status.Should().Be(ActivityStatusCode.Error);
    }

    [Fact]
    public async Task Each_legs_duration_and_each_execution_by_its_status_are_measured()
    {
        string name = "durations-" + Guid.NewGuid().ToString("N");
        using var recorder = new MeasurementRecorder("edgekit.aggregate", name);
        _fixture.Backend.On("/orders/7", (_, _) =>
            {
                _fixture.Time.Advance(TimeSpan.FromMilliseconds(250));   // the backend takes 250 ms
                return Task.FromResult(FakeLegHandler.Json("""{"customer":"c1"}"""));
            })
            .OnJson("/customers/c1", """{"name":"Ada"}""");
        var aggregator = _fixture.Create(AggregatorFixture.Options(("order", "/orders/{id}"), ("customer", "/customers/{order.customer}")), name);

        (await _fixture.RunAsync(aggregator, new AggregateRequest().WithArgument("id", "7"))).Result.StatusCode.Should().Be(200);
        (await _fixture.RunAsync(aggregator)).Result.StatusCode.Should().Be(400, "the id argument is missing");

        recorder.Of("edgekit.aggregation.leg.duration").Select(m => (m.Unit, m.Value, (string)m.Tags["edgekit.aggregation.leg"]!, m.Tags["edgekit.outcome"], m.Tags.Count))
            .Should().Equal(("s", 0.25, "order", "success", 3), ("s", 0d, "customer", "success", 3));
        recorder.Of("edgekit.aggregation.requests").Select(m => (m.Unit, m.Value, m.Tags["http.response.status_code"], m.Tags.Count))
            .Should().Equal(("{request}", 1d, 200, 2), ("{request}", 1d, 400, 2));
    }

    /// <summary>A body that never ends; counts what was read from it.</summary>
    private sealed class EndlessStream : Stream
    {
        private long _read;

        public long BytesRead => Interlocked.Read(ref _read);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, 4096);
            buffer.AsSpan(offset, n).Fill((byte)'1');
            Interlocked.Add(ref _read, n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
