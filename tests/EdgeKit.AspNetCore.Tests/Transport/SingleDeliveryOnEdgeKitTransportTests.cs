using EdgeKit.AspNetCore.Tests.Forwarding;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>Every test of <see cref="SingleDeliveryTests"/>, with the cluster on EdgeKit's own HTTP/1.1 transport (issue 20).</summary>
public sealed class SingleDeliveryOnEdgeKitTransportTests : SingleDeliveryTests
{
    protected override string? Transport => "EdgeKit";
}
