using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.Tests.Infrastructure;
using EdgeKit.Configuration;

namespace EdgeKit.AspNetCore.Tests.Gateway;

/// <summary>
/// The thread-pool reserve that keeps a gateway answering while a file configuration source sleeps its reload delay
/// on a pool thread (issue 19, deliverable 5).
/// </summary>
public sealed class ReloadThreadReserveTests
{
    private static readonly Dictionary<string, string?> Route = new()
    {
        ["Routes:r:Match:Path"] = "/r",
        ["Routes:r:Cluster"] = "c",
        ["Clusters:c:Destinations:d:Address"] = "http://127.0.0.1:1",
    };

    [Fact]
    public void Ensure_raises_the_minimum_to_the_processors_plus_the_reserve_and_keeps_the_io_minimum()
    {
        var calls = new List<(int Workers, int Io)>();

        int? set = ReloadThreadReserve.Ensure(1, processors: 1, () => (1, 7), (w, io) => { calls.Add((w, io)); return true; });

        set.Should().Be(2);
        calls.Should().Equal((2, 7));
    }

    [Fact]
    public void Ensure_never_lowers_the_minimum_and_does_nothing_for_a_reserve_of_zero()
    {
        var calls = new List<(int Workers, int Io)>();
        bool Set(int w, int io)
        {
            calls.Add((w, io));
            return true;
        }

        ReloadThreadReserve.Ensure(1, processors: 4, () => (5, 4), Set).Should().BeNull("5 workers are already 4 processors + 1");
        ReloadThreadReserve.Ensure(2, processors: 4, () => (32, 4), Set).Should().BeNull("an app's own higher minimum stays");
        ReloadThreadReserve.Ensure(0, processors: 1, () => throw new InvalidOperationException("not read"), Set).Should().BeNull();
        calls.Should().BeEmpty();
    }

    [Fact]
    public void Ensure_reports_nothing_set_when_the_thread_pool_refuses_the_minimum()
    {
        ReloadThreadReserve.Ensure(3, processors: 2, () => (2, 2), (_, _) => false).Should().BeNull();
    }

    [Fact]
    public async Task A_started_gateway_keeps_one_worker_beyond_the_processors_by_default()
    {
        await using var gateway = await GatewayHost.StartAsync(Route);

        ThreadPool.GetMinThreads(out int workers, out _);
        workers.Should().BeGreaterThanOrEqualTo(Environment.ProcessorCount + GatewayOptions.DefaultReloadThreadReserve);
    }

    [Fact]
    public async Task A_reload_that_raises_the_reserve_raises_the_minimum()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>(Route) { ["ReloadThreadReserve"] = "0" });

        gateway.Reload(new Dictionary<string, string?>(Route) { ["ReloadThreadReserve"] = "3" });

        ThreadPool.GetMinThreads(out int workers, out _);
        workers.Should().BeGreaterThanOrEqualTo(Environment.ProcessorCount + 3);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("65")]
    public async Task A_reserve_out_of_range_fails_the_start_naming_the_key(string reserve)
    {
        var act = () => GatewayHost.StartAsync(new Dictionary<string, string?>(Route) { ["ReloadThreadReserve"] = reserve });

        var error = (await act.Should().ThrowAsync<EdgeKitConfigurationException>()).Which;
        error.Errors.Should().Equal($"EdgeKit:ReloadThreadReserve must be from 0 to 64, was {reserve}.");
    }
}
