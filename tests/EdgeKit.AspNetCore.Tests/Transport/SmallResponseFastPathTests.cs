using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using EdgeKit.AspNetCore.Forwarding;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.AspNetCore.Transforms;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Issue 20, the small-response fast path: on EdgeKit's transport, a response whose whole Content-Length body came in
/// the same read as its head (or that has no body) goes to the client in one write and its connection back to the pool
/// at once, with no body copy. These tests prove the path is taken (<see cref="ForwarderCluster.BufferedBodies"/>) and
/// that every rule of the streamed path holds on it: exact status, fields and body, no body for HEAD/204/304, a response
/// transform that answered the client wins, a client gone is a cancelled outcome, metrics see the backend's outcome,
/// the connection is reused after a clean exchange, and the cache stores the body.
/// </summary>
public sealed class SmallResponseFastPathTests
{
    private const string Json = "{\"hello\":\"world\"}";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Dictionary<string, string?> Route(string address, string cluster = "c") => new Dictionary<string, string?>
    {
        [$"Clusters:{cluster}:Destinations:d:Address"] = address,
        ["Routes:r:Match:Path"] = "/{**rest}",
        ["Routes:r:Cluster"] = cluster,
    }.OnTransport("EdgeKit", cluster);

    private static ForwarderCluster Cluster(GatewayHost gateway, string name = "c")
    {
        gateway.Services.GetRequiredService<ForwarderClusters>().TryGet(name, out var cluster).Should().BeTrue();
        cluster!.Direct.Should().NotBeNull("the cluster is on EdgeKit's transport");
        return cluster;
    }

    private static string Values(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : "(none)";

    [Fact]
    public async Task A_small_body_that_came_with_its_head_goes_out_from_the_buffer_and_its_connection_serves_the_next_request()
    {
        string cluster = $"fast-{Guid.NewGuid():N}";
        using var metrics = new Measurements(cluster);
        await using var backend = new ScriptedBackend((request, i) => request.Path == "/down"
            ? "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ndown"
            : $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Answer: {i}\r\nContent-Length: 17\r\n\r\n{Json}");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address, cluster));

        for (int i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.GetAsync($"/item/{i}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            Values(response, "X-Answer").Should().Be(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Values(response, "Content-Type").Should().Be("application/json");
            Values(response, "Content-Length").Should().Be("17");
            (await response.Content.ReadAsStringAsync()).Should().Be(Json);
        }

        using (var down = await gateway.Client.GetAsync("/down"))
        {
            down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await down.Content.ReadAsStringAsync()).Should().Be("down");
        }

        Cluster(gateway, cluster).BufferedBodies.Should().Be(4, "every body came in the read that brought its head");
        backend.Accepts.Should().Be(1, "each exchange ended cleanly: the one connection served all four");
        backend.Received.Select(r => r.Path).Should().Equal("/item/0", "/item/1", "/item/2", "/down");
        await metrics.WaitForCountAsync(4);
        metrics.Outcomes().Should().Equal("success 200", "success 200", "success 200", "failure 503");
    }

    [Fact]
    public async Task The_backends_own_reason_phrase_is_passed_on_and_the_usual_one_kept()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path == "/own"
            ? $"HTTP/1.1 200 Fine Thanks\r\nContent-Length: 17\r\n\r\n{Json}"
            : $"HTTP/1.1 404 Not Found\r\nContent-Length: 17\r\n\r\n{Json}");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var own = await gateway.Client.GetAsync("/own");
        using var usual = await gateway.Client.GetAsync("/usual");

        own.StatusCode.Should().Be(HttpStatusCode.OK);
        own.ReasonPhrase.Should().Be("Fine Thanks");
        usual.StatusCode.Should().Be(HttpStatusCode.NotFound);
        usual.ReasonPhrase.Should().Be("Not Found");
        (await own.Content.ReadAsStringAsync()).Should().Be(Json);
        Cluster(gateway).BufferedBodies.Should().Be(2);
    }

    [Fact]
    public async Task A_connection_the_backend_closes_after_its_answer_is_not_reused_on_the_fast_path_either()
    {
        await using var backend = new ScriptedBackend((_, i) =>
            new ScriptedReply($"HTTP/1.1 200 OK\r\nConnection: close\r\nX-Answer: {i}\r\nContent-Length: 17\r\n\r\n{Json}", Close: true));
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        for (int i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.GetAsync("/closing");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            Values(response, "X-Answer").Should().Be(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Values(response, "Connection").Should().Be("(none)", "Connection is hop-by-hop");
            (await response.Content.ReadAsStringAsync()).Should().Be(Json);
        }

        Cluster(gateway).BufferedBodies.Should().Be(2);
        backend.Accepts.Should().Be(2, "Connection: close ends the connection after its exchange");
        // The client may have the last byte before the gateway's exchange has ended: wait for the close (hang guard only).
        using var limit = new CancellationTokenSource(Wait);
        while (Cluster(gateway).Direct!.OpenConnections != 0)
        {
            await Task.Delay(5, limit.Token);
        }
    }

    [Fact]
    public async Task A_body_that_comes_after_its_head_is_streamed_as_before()
    {
        var bodyGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await EchoBackend.StartAsync();
        backend.Override = async context =>
        {
            context.Response.ContentLength = 17;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            await context.Response.Body.FlushAsync();
            await bodyGate.Task;
            await context.Response.WriteAsync(Json);
        };
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using var response = await gateway.Client.GetAsync("/late", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Wait);
        // The gateway sent the head on before the body existed: the body was not in the buffer with it.
        bodyGate.SetResult();
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        Values(response, "Content-Length").Should().Be("17");
        (await response.Content.ReadAsStringAsync().WaitAsync(Wait)).Should().Be(Json);
        Cluster(gateway).BufferedBodies.Should().Be(0);
    }

    [Fact]
    public async Task Head_204_and_304_answers_go_out_without_a_body_and_their_connection_is_reused()
    {
        await using var backend = new ScriptedBackend((request, _) => request.Path switch
        {
            "/none" => "HTTP/1.1 204 No Content\r\nX-Kind: 204\r\n\r\n",
            "/same" => "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n",
            _ => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n",
        });
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address));

        using (var head = await gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/head")))
        {
            head.StatusCode.Should().Be(HttpStatusCode.OK);
            Values(head, "Content-Length").Should().Be("17");
            (await head.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        }

        using (var none = await gateway.Client.GetAsync("/none"))
        {
            none.StatusCode.Should().Be(HttpStatusCode.NoContent);
            Values(none, "X-Kind").Should().Be("204");
            (await none.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        }

        using (var same = await gateway.Client.GetAsync("/same"))
        {
            same.StatusCode.Should().Be(HttpStatusCode.NotModified);
            Values(same, "ETag").Should().Be("\"v1\"");
            (await same.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        }

        Cluster(gateway).BufferedBodies.Should().Be(3);
        backend.Accepts.Should().Be(1);
        backend.Received.Select(r => r.Head.Split(' ')[0]).Should().Equal("HEAD", "GET", "GET");
    }

    [Fact]
    public async Task A_response_transform_that_answered_the_client_itself_wins_and_the_backends_outcome_is_recorded()
    {
        string cluster = $"fast-{Guid.NewGuid():N}";
        using var metrics = new Measurements(cluster);
        await using var backend = new ScriptedBackend((_, _) => $"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{Json}");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address, cluster),
            configureBuilder: b => b.Services.AddEdgeKit().ConfigureTransforms(t => t.ResponseTransforms.Add(new AnswerItselfTransform())));

        using var response = await gateway.Client.GetAsync("/x");

        response.StatusCode.Should().Be((HttpStatusCode)418);
        (await response.Content.ReadAsStringAsync()).Should().Be("the transform's own answer");
        Cluster(gateway, cluster).BufferedBodies.Should().Be(0, "the backend's body is not sent");
        await metrics.WaitForCountAsync(1);
        metrics.Outcomes().Should().Equal(["success 200"], "the backend did answer");
    }

    [Fact]
    public async Task A_client_gone_before_the_body_is_written_is_a_cancelled_outcome_and_the_clean_connection_serves_the_next_request()
    {
        string cluster = $"fast-{Guid.NewGuid():N}";
        using var metrics = new Measurements(cluster);
        await using var backend = new ScriptedBackend((_, i) => $"HTTP/1.1 200 OK\r\nX-Answer: {i}\r\nContent-Length: 17\r\n\r\n{Json}");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address, cluster),
            configureBuilder: b => b.Services.AddEdgeKit().ConfigureTransforms(t => t.ResponseTransforms.Add(new AbortOnPathTransform("/gone"))));

        await gateway.Client.Awaiting(c => c.GetAsync("/gone")).Should().ThrowAsync<HttpRequestException>();
        using var next = await gateway.Client.GetAsync("/next");

        next.StatusCode.Should().Be(HttpStatusCode.OK);
        Values(next, "X-Answer").Should().Be("1");
        (await next.Content.ReadAsStringAsync()).Should().Be(Json);
        await metrics.WaitForCountAsync(2);
        metrics.Outcomes().Should().Equal("cancelled 200", "success 200");
        gateway.Logs.Entries.Where(e => e.EventId == 1408).Select(e => e.Message)
            .Should().Equal("Route 'r': the client went away before the exchange completed.");
        Cluster(gateway, cluster).BufferedBodies.Should().Be(2);
        backend.Accepts.Should().Be(1, "the first exchange ended cleanly on the backend's side: its body was consumed whole");
    }

    [Fact]
    public async Task A_client_gone_when_an_answer_without_a_body_came_leaves_the_backends_outcome_as_on_the_copy_path()
    {
        string cluster = $"fast-{Guid.NewGuid():N}";
        using var metrics = new Measurements(cluster);
        await using var backend = new ScriptedBackend((_, _) => "HTTP/1.1 204 No Content\r\n\r\n");
        await using var gateway = await GatewayHost.StartAsync(Route(backend.Address, cluster),
            configureBuilder: b => b.Services.AddEdgeKit().ConfigureTransforms(t => t.ResponseTransforms.Add(new AbortOnPathTransform("/gone"))));

        await gateway.Client.Awaiting(c => c.GetAsync("/gone")).Should().ThrowAsync<HttpRequestException>();
        using var next = await gateway.Client.GetAsync("/next");

        next.StatusCode.Should().Be(HttpStatusCode.NoContent);
        await metrics.WaitForCountAsync(2);
        metrics.Outcomes().Should().Equal(["success 204", "success 204"], "the exchange with the backend was over with its head: nothing was left to send");
        gateway.Logs.Entries.Where(e => e.EventId == 1408).Should().BeEmpty();
        Cluster(gateway, cluster).BufferedBodies.Should().Be(2);
        backend.Accepts.Should().Be(1);
    }

    [Fact]
    public async Task The_cache_stores_a_body_that_went_out_from_the_buffer()
    {
        await using var backend = new ScriptedBackend((_, i) =>
            $"HTTP/1.1 200 OK\r\nCache-Control: public, max-age=60\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{{\"answer\":\"n{i}\"}}");
        var settings = Route(backend.Address);
        settings["Caching:Policies:api:Mode"] = "Shared";
        settings["Routes:r:CachePolicy"] = "api";
        await using var gateway = await GatewayHost.StartAsync(settings);

        using var first = await gateway.Client.GetAsync("/cached");
        using var second = await gateway.Client.GetAsync("/cached");

        (await first.Content.ReadAsStringAsync()).Should().Be("{\"answer\":\"n0\"}");
        (await second.Content.ReadAsStringAsync()).Should().Be("{\"answer\":\"n0\"}", "the second answer is the stored copy of the first");
        Values(first, "Cache-Status").Should().Be("EdgeKit; fwd=miss; fwd-status=200; stored");
        Values(second, "Cache-Status").Should().StartWith("EdgeKit; hit");
        backend.Received.Should().ContainSingle();
        Cluster(gateway).BufferedBodies.Should().Be(1);
    }

    [Fact]
    public async Task A_small_body_over_TLS_goes_out_from_the_buffer_too()
    {
        await using var backend = new TlsScriptedBackend(i => $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Answer: {i}\r\nContent-Length: 17\r\n\r\n{Json}");
        var settings = Route(backend.HttpsAddress);
        settings["Clusters:c:HttpClient:DangerousAcceptAnyServerCertificate"] = "true";
        await using var gateway = await GatewayHost.StartAsync(settings);

        for (int i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.GetAsync("/secure");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            Values(response, "X-Answer").Should().Be(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            (await response.Content.ReadAsStringAsync()).Should().Be(Json);
        }

        Cluster(gateway).BufferedBodies.Should().Be(2, "each reply is one TLS record: head and body come in one read");
        backend.Accepts.Should().Be(1);
    }

    /// <summary>A TLS backend on 127.0.0.1 that reads each request head (GETs only) and writes its reply in one write (one TLS record).</summary>
    private sealed class TlsScriptedBackend : RawTcpBackend
    {
        private readonly Func<int, string> _reply;
        // One for the test run (the class's tests share it).
        private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 s_certificate = Forwarding.ForwarderConformanceTests.CreateCertificate("CN=localhost");
        private int _requests;

        public TlsScriptedBackend(Func<int, string> reply)
        {
            _reply = reply;
            StartAccepting();
        }

        public string HttpsAddress => "https" + Address["http".Length..];

        protected override async Task ServeAsync(System.Net.Sockets.Socket socket, int connection)
        {
            await using var tls = new System.Net.Security.SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: false));
            try
            {
                await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = s_certificate }, Stopping);
                var pending = new List<byte>();
                var buffer = new byte[4096];
                while (true)
                {
                    int end;
                    while ((end = IndexOfEnd(pending)) < 0)
                    {
                        int read = await tls.ReadAsync(buffer, Stopping);
                        if (read == 0)
                        {
                            return;
                        }

                        pending.AddRange(buffer.AsSpan(0, read));
                    }

                    pending.RemoveRange(0, end + 4);
                    await tls.WriteAsync(System.Text.Encoding.Latin1.GetBytes(_reply(Interlocked.Increment(ref _requests) - 1)), Stopping);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
            }
        }

        private static int IndexOfEnd(List<byte> bytes)
        {
            for (int i = 0; i + 3 < bytes.Count; i++)
            {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>Answers the client itself, as a JSON body transform over its bound does.</summary>
    private sealed class AnswerItselfTransform : ResponseTransform
    {
        public override async ValueTask ApplyAsync(ResponseTransformContext context)
        {
            context.HttpContext.Response.StatusCode = 418;
            context.HttpContext.Response.ContentLength = null;
            await context.HttpContext.Response.WriteAsync("the transform's own answer", context.CancellationToken);
        }
    }

    /// <summary>Aborts the client's connection on one path, and returns once the forwarder's token has seen it.</summary>
    private sealed class AbortOnPathTransform(string path) : ResponseTransform
    {
        public override async ValueTask ApplyAsync(ResponseTransformContext context)
        {
            if (context.HttpContext.Request.Path != path)
            {
                return;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = context.CancellationToken.Register(() => seen.TrySetResult());
            context.HttpContext.Abort();
            await seen.Task.WaitAsync(Wait);
        }
    }

    /// <summary>The <c>edgekit.balancer.requests</c> measurements of one cluster (the lease's record of each request).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Dictionary<string, object?>> _requests = new();
        private readonly string _cluster;

        public Measurements(string cluster)
        {
            _cluster = cluster;
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "EdgeKit" && instrument.Name == "edgekit.balancer.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) => Add(tags));
            _listener.Start();
        }

        /// <summary>Each request's outcome and status, as "outcome status".</summary>
        public IReadOnlyList<string> Outcomes() =>
            [.. _requests.Select(t => $"{t.GetValueOrDefault("edgekit.outcome")} {t.GetValueOrDefault("http.response.status_code")}")];

        public async Task WaitForCountAsync(int count)
        {
            using var limit = new CancellationTokenSource(Wait);
            while (_requests.Count < count)
            {
                await Task.Delay(5, limit.Token);
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            if (dictionary.GetValueOrDefault("edgekit.cluster") as string == _cluster)
            {
                _requests.Enqueue(dictionary);
            }
        }
    }
}
