namespace EdgeKit.IntegrationTests.Samples;

/// <summary>The client-side sample, built with the solution, passes its own smoke check.</summary>
public sealed class ClientBalancingSampleTests
{
    [Fact]
    public async Task The_client_balancing_sample_spreads_its_calls_retries_and_skips_the_faulty_instance_as_its_smoke_check_expects()
    {
        var (exitCode, output) = await SampleRunner.RunSmokeAsync("ClientBalancing");

        exitCode.Should().Be(0, output);
        output.Should().Contain("smoke: all as expected");
        output.Should().Contain("ok   RoundRobin: an equal share each (10/10/10/10)");
        output.Should().Contain("ok   WeightedRoundRobin: shares in proportion to the weights 1/2/1/1 (8/16/8/8)");
        output.Should().Contain("ok   echo: skipped once ejected (3 requests reached it; ejected after 3)");
        output.Should().Contain("50 of 50 calls succeeded; 3 retried after a 503 from echo");
        output.Should().NotContain("FAIL");
    }
}
