namespace EdgeKit.IntegrationTests.Samples;

/// <summary>The README's main command works: the gateway sample, built with the solution, passes its own smoke check.</summary>
public sealed class GatewaySampleTests
{
    [Fact]
    public async Task The_gateway_sample_starts_its_services_and_answers_as_its_smoke_check_expects()
    {
        var (exitCode, output) = await SampleRunner.RunSmokeAsync("Gateway");

        exitCode.Should().Be(0, output);
        output.Should().Contain("smoke: all as expected");
        output.Should().Contain("TOKEN=ey", "the sample prints a ready-to-paste demo token");
    }
}
