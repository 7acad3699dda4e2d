using EdgeKit.Configuration;
using EdgeKit.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.Tests.Health;

public class HealthOptionsTests
{
    [Fact]
    public void Defaults_are_envoys_and_haproxys()
    {
        var options = new HealthOptions();

        options.PanicThreshold.Should().Be(50);
        options.Active.Enabled.Should().BeFalse();
        options.Active.Interval.Should().Be(TimeSpan.FromSeconds(2));
        options.Active.HealthyThreshold.Should().Be(2);
        options.Active.UnhealthyThreshold.Should().Be(3);
        options.Active.HealthyStatuses.Should().Be("200-399");
        options.OutlierDetection.Enabled.Should().BeTrue();
        options.OutlierDetection.Consecutive5xx.Should().Be(5);
        options.OutlierDetection.ConsecutiveGatewayFailures.Should().Be(5);
        options.OutlierDetection.BaseEjectionTime.Should().Be(TimeSpan.FromSeconds(30));
        options.OutlierDetection.MaxEjectionTime.Should().Be(TimeSpan.FromSeconds(300));
        options.OutlierDetection.MaxEjectionPercent.Should().Be(50);
        options.OutlierDetection.SuccessRateStdevFactor.Should().Be(1.9);
        options.OutlierDetection.FailurePercentageEnabled.Should().BeFalse();
        options.SlowStart.Window.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Below_the_panic_threshold_the_cluster_routes_across_every_destination_not_known_dead()
    {
        using var t = new HealthTestCluster(4);
        t.Complete("d0", 500, 5);
        t.Complete("d1", 500, 5);

        t["d0"].IsEjected.Should().BeTrue();
        t["d1"].IsEjected.Should().BeTrue("two of four is within the default MaxEjectionPercent of 50");
        t.Cluster.Snapshot.IsPanic.Should().BeFalse("2 of 4 healthy is exactly 50%, not below it");
        t.Available.Should().Equal("d2", "d3");

        t.Cluster.SetHealth(t["d2"], DestinationHealth.Unhealthy);

        t.Cluster.Snapshot.IsPanic.Should().BeTrue();
        t.Available.Should().Equal(["d0", "d1", "d3"], "panic spreads over the ejected outliers, never over a destination active health marks unhealthy");
        t.Logs.WithEventId(1022).Single().Message.Should().Be("Cluster 'svc' panic: True (1 of 4 destinations healthy).");

        t.Cluster.SetHealth(t["d2"], DestinationHealth.Healthy);
        t.Cluster.Snapshot.IsPanic.Should().BeFalse();
        t.Available.Should().Equal("d2", "d3");
    }

    [Fact]
    public void A_panic_threshold_of_zero_never_panics()
    {
        using var t = new HealthTestCluster(2, h => h.PanicThreshold = 0);
        t.Cluster.SetHealth(t["d0"], DestinationHealth.Unhealthy);
        t.Cluster.SetHealth(t["d1"], DestinationHealth.Unhealthy);

        t.Cluster.Snapshot.IsPanic.Should().BeFalse();
        t.Cluster.Pick(default).Should().BeNull();
    }

    [Fact]
    public void Every_destination_ejected_or_down_still_routes_in_panic()
    {
        using var t = new HealthTestCluster(2, h => h.OutlierDetection.MaxEjectionPercent = 100);
        t.Complete("d0", 500, 5);
        t.Complete("d1", 0, 5);

        t.Cluster.Snapshot.IsPanic.Should().BeTrue();
        t.Cluster.Pick(default).Should().NotBeNull();
    }

    [Fact]
    public void Probe_results_rise_and_fall_by_their_thresholds()
    {
        using var t = new HealthTestCluster(3);
        var d = t["d0"];

        t.Cluster.ReportProbeResult(d, passed: true).Should().BeFalse();
        d.ActiveHealth.Should().Be(DestinationHealth.Unknown);
        t.Cluster.ReportProbeResult(d, passed: true).Should().BeTrue();
        d.ActiveHealth.Should().Be(DestinationHealth.Healthy);
        t.Cluster.ReportProbeResult(d, passed: true).Should().BeFalse("already healthy");

        t.Cluster.ReportProbeResult(d, passed: false).Should().BeFalse();
        t.Cluster.ReportProbeResult(d, passed: false).Should().BeFalse();
        t.Cluster.ReportProbeResult(d, passed: true).Should().BeFalse("a pass breaks the run of failures");
        t.Cluster.ReportProbeResult(d, passed: false).Should().BeFalse();
        t.Cluster.ReportProbeResult(d, passed: false).Should().BeFalse();
        t.Cluster.ReportProbeResult(d, passed: false).Should().BeTrue();
        d.ActiveHealth.Should().Be(DestinationHealth.Unhealthy);
        d.ConsecutiveProbeFailures.Should().Be(3);
        t.Available.Should().NotContain("d0");
        t.Logs.WithEventId(1001).Select(e => e.Message).Should().Equal(
            "Cluster 'svc': destination 'd0' went from Unknown to Healthy (active-probe).",
            "Cluster 'svc': destination 'd0' went from Healthy to Unhealthy (active-probe).");
    }

    [Fact]
    public void An_ejected_destination_is_readmitted_by_the_rise_count_of_probes_after_its_ejection()
    {
        using var t = new HealthTestCluster(10);
        t.Cluster.ReportProbeResult(t["d0"], true);
        t.Cluster.ReportProbeResult(t["d0"], true);
        t.Complete("d0", 500, 5);

        t["d0"].IsEjected.Should().BeTrue();
        t["d0"].ConsecutiveProbeSuccesses.Should().Be(0, "only probes after the ejection count toward readmission");
        t.Cluster.ReportProbeResult(t["d0"], true).Should().BeFalse("one pass is below the rise count of 2");
        t.Available.Should().NotContain("d0");

        t.Cluster.ReportProbeResult(t["d0"], true).Should().BeTrue();

        t["d0"].IsEjected.Should().BeFalse("active checks see it healthy again, long before its 30 s ejection ends");
        t["d0"].Health.Should().Be(DestinationHealth.Healthy);
        t.Available.Should().Contain("d0");
        t.Logs.WithEventId(1021).Select(e => e.Message).Should().Equal("Cluster 'svc': destination 'd0' readmitted (active-probe-healthy).");
    }

    [Fact]
    public void Invalid_settings_are_all_reported_with_their_paths()
    {
        var options = new HealthOptions
        {
            PanicThreshold = 101,
            Active = { Enabled = true, Path = "healthz", Interval = TimeSpan.FromMilliseconds(5), Timeout = TimeSpan.Zero, HealthyStatuses = "200-99", HealthyThreshold = 0, UnhealthyThreshold = 0, MaxConcurrency = 0 },
            OutlierDetection =
            {
                Consecutive5xx = -1, ConsecutiveGatewayFailures = -1, Interval = TimeSpan.Zero, BaseEjectionTime = TimeSpan.FromSeconds(10),
                MaxEjectionTime = TimeSpan.FromSeconds(5), MaxEjectionPercent = 120, SuccessRateStdevFactor = 0, FailurePercentageThreshold = -1,
            },
            SlowStart = { Window = TimeSpan.FromSeconds(-1), MinWeightPercent = 0, Aggression = 0 },
        };

        var act = () => new Cluster("c", health: options);

        var exception = act.Should().Throw<ArgumentException>().Which;
        exception.ParamName.Should().Be("options");
        var lines = exception.Message.Replace(" (Parameter 'options')", "").Split(Environment.NewLine);
        lines.Should().Contain([
            "Cluster 'c': Health.PanicThreshold must be between 0 and 100 (percent), was 101.",
            "Cluster 'c': Health.Active.Path must start with '/', was 'healthz'.",
            "Cluster 'c': Health.Active.Interval must be at least 10 ms, was 00:00:00.0050000.",
            "Cluster 'c': Health.Active.Timeout must be positive and not above Interval (00:00:00.0050000), was 00:00:00.",
            "Cluster 'c': Health.Active.HealthyStatuses '200-99' is not a list of status codes and ranges from 100 to 599 such as '200-399' ('200-99' is wrong).",
            "Cluster 'c': Health.Active.MaxConcurrency must be at least 1, was 0.",
            "Cluster 'c': Health.Active.HealthyThreshold must be at least 1, was 0.",
            "Cluster 'c': Health.Active.UnhealthyThreshold must be at least 1, was 0.",
            "Cluster 'c': Health.OutlierDetection.Consecutive5xx must be 0 (off) or more, was -1.",
            "Cluster 'c': Health.OutlierDetection.ConsecutiveGatewayFailures must be 0 (off) or more, was -1.",
            "Cluster 'c': Health.OutlierDetection.Interval must be positive, was 00:00:00.",
            "Cluster 'c': Health.OutlierDetection.MaxEjectionTime (00:00:05) must not be below BaseEjectionTime (00:00:10).",
            "Cluster 'c': Health.OutlierDetection.MaxEjectionPercent must be between 0 and 100, was 120.",
            "Cluster 'c': Health.OutlierDetection.SuccessRateStdevFactor must be a positive number, was 0.",
            "Cluster 'c': Health.OutlierDetection.FailurePercentageThreshold must be between 0 and 100, was -1.",
            "Cluster 'c': Health.SlowStart.Window must be zero (off) or positive, was -00:00:01.",
            "Cluster 'c': Health.SlowStart.MinWeightPercent must be between 1 and 100, was 0.",
            "Cluster 'c': Health.SlowStart.Aggression must be a positive number, was 0.",
        ]);
        lines.Should().HaveCount(18);
    }

    [Theory]
    [InlineData("200-399", 200, true)]
    [InlineData("200-399", 399, true)]
    [InlineData("200-399", 404, false)]
    [InlineData("200, 204,300-302", 301, true)]
    [InlineData("200, 204,300-302", 303, false)]
    public void Status_code_ranges_parse_codes_and_ranges(string text, int status, bool contained)
    {
        StatusCodeRanges.TryParse(text, out var ranges, out _).Should().BeTrue();
        ranges.Contains(status).Should().Be(contained);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("99")]
    [InlineData("600")]
    [InlineData("300-200")]
    [InlineData("200-300-400")]
    public void Status_code_ranges_reject_nonsense(string text)
    {
        StatusCodeRanges.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().NotBeEmpty();
    }

    [Fact]
    public void Binds_from_configuration_including_a_health_address()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeKit:Clusters:orders:Destinations:a:Address"] = "http://10.0.0.1:8080",
            ["EdgeKit:Clusters:orders:Destinations:a:HealthAddress"] = "http://10.0.0.1:9090/mgmt",
            ["EdgeKit:Clusters:orders:Health:PanicThreshold"] = "25",
            ["EdgeKit:Clusters:orders:Health:Active:Enabled"] = "true",
            ["EdgeKit:Clusters:orders:Health:Active:Path"] = "/ready",
            ["EdgeKit:Clusters:orders:Health:Active:Interval"] = "00:00:05",
            ["EdgeKit:Clusters:orders:Health:OutlierDetection:Consecutive5xx"] = "3",
            ["EdgeKit:Clusters:orders:Health:OutlierDetection:BaseEjectionTime"] = "00:00:10",
            ["EdgeKit:Clusters:orders:Health:SlowStart:Window"] = "00:01:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddEdgeKit().AddConfiguration(configuration.GetSection("EdgeKit"));
        using var provider = services.BuildServiceProvider();

        var cluster = provider.GetRequiredService<ClusterRegistry>().GetCluster("orders");

        cluster.Health.PanicThreshold.Should().Be(25);
        cluster.Health.Active.Enabled.Should().BeTrue();
        cluster.Health.Active.Path.Should().Be("/ready");
        cluster.Health.Active.Interval.Should().Be(TimeSpan.FromSeconds(5));
        cluster.Health.OutlierDetection.Consecutive5xx.Should().Be(3);
        cluster.Health.OutlierDetection.BaseEjectionTime.Should().Be(TimeSpan.FromSeconds(10));
        cluster.Health.SlowStart.Window.Should().Be(TimeSpan.FromMinutes(1));
        cluster.Snapshot.AllDestinations.Single().Destination.HealthAddress.Should().Be(new Uri("http://10.0.0.1:9090/mgmt"));
    }

    [Fact]
    public void A_bad_health_address_is_reported_with_the_other_problems()
    {
        var options = new EdgeKit.Configuration.EdgeKitOptions();
        var cluster = options.GetOrAddCluster("orders");
        cluster.Destinations["a"] = new DestinationOptions { Address = "http://10.0.0.1:8080", HealthAddress = "ftp://10.0.0.1/health" };
        cluster.Destinations["b"] = new DestinationOptions { Address = "http://10.0.0.2:8080", HealthAddress = "not a uri" };
        cluster.Health.PanicThreshold = -1;

        var act = () => new ClusterRegistry(options);

        act.Should().Throw<EdgeKit.Configuration.EdgeKitConfigurationException>().Which.Errors.Should().Equal(
            "Cluster 'orders', destination 'a': health address 'ftp://10.0.0.1/health' must use http or https, not 'ftp'.",
            "Cluster 'orders', destination 'b': HealthAddress 'not a uri' is not an absolute URI; use a form such as 'http://10.0.0.11:9090'.",
            "Cluster 'orders': Health.PanicThreshold must be between 0 and 100 (percent), was -1.");
    }
}
