using EdgeKit.AspNetCore.Tests.Forwarding;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary>
/// Every test of <see cref="UpgradeForwarderTests"/> on a cluster whose transport is EdgeKit's (issue 20): upgrades are handed to the
/// SocketsHttpHandler the transport keeps for them, and must behave exactly as before.
/// </summary>
public sealed class UpgradeForwarderOnEdgeKitTransportTests : UpgradeForwarderTests
{
    protected override string? Transport => "EdgeKit";
}
