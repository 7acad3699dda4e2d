using EdgeKit.AspNetCore.IdentityForwarding;
using EdgeKit.AspNetCore.Tests.Telemetry;
using EdgeKit.Tests.TestSupport;
using static EdgeKit.AspNetCore.Tests.IdentityForwarding.IdentityForwarderTests;

namespace EdgeKit.AspNetCore.Tests.IdentityForwarding;

/// <summary>
/// <c>edgekit.auth.identity_headers_stripped</c> has no tags (nothing about the caller belongs in one), so its test runs
/// alone: no other test can add to the count meanwhile.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class IdentityForwarderTelemetryTests
{
    [Fact]
    public void Each_forged_identity_header_a_caller_sent_is_counted_once_and_headers_it_did_not_send_are_not()
    {
        var forwarder = new IdentityForwarder(new IdentityForwardingOptions { Headers = { ["X-User-Id"] = "sub", ["X-Roles"] = "roles", ["X-Tenant"] = "tenant" } });
        var forging = Context(User(("sub", "alice")), ("X-User-Id", "root"), ("x-roles", "superuser"));
        var honest = Context(User(("sub", "bob")), ("Accept", "application/json"));
        using var recorder = new MeasurementRecorder(tag: null, value: null);
        using var forged = Outgoing(forging);
        using var clean = Outgoing(honest);

        forwarder.Apply(forging, forged);
        forwarder.Apply(honest, clean);

        var measured = recorder.Of("edgekit.auth.identity_headers_stripped");
        measured.Should().HaveCount(2, "the forging caller sent two of the three identity headers; the honest caller none");
        measured.Should().OnlyContain(m => m.Value == 1 && m.Unit == "{header}" && m.Tags.Count == 0);
        forged.Headers.GetValues("X-User-Id").Should().Equal("alice");
    }
}
