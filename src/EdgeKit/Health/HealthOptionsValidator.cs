using System.Globalization;
using EdgeKit.Configuration;

namespace EdgeKit.Health;

/// <summary>Checks <see cref="HealthOptions"/>, gathering every problem rather than stopping at the first.</summary>
internal static class HealthOptionsValidator
{
    public static void Validate(HealthOptions options, string path, List<string> errors)
    {
        if (options.Active is null || options.OutlierDetection is null || options.SlowStart is null)
        {
            errors.Add($"{path}: Health.Active, Health.OutlierDetection and Health.SlowStart must not be null.");
            return;
        }

        if (!(options.PanicThreshold is >= 0 and <= 100))
        {
            errors.Add($"{path}: Health.PanicThreshold must be between 0 and 100 (percent), was {F(options.PanicThreshold)}.");
        }

        var active = options.Active;
        if (active.Enabled)
        {
            if (string.IsNullOrWhiteSpace(active.Path) || !active.Path.StartsWith('/'))
            {
                errors.Add($"{path}: Health.Active.Path must start with '/', was '{active.Path}'.");
            }

            if (active.Interval < TimeSpan.FromMilliseconds(10))
            {
                errors.Add($"{path}: Health.Active.Interval must be at least 10 ms, was {active.Interval}.");
            }

            if (active.Timeout <= TimeSpan.Zero || active.Timeout > active.Interval)
            {
                errors.Add($"{path}: Health.Active.Timeout must be positive and not above Interval ({active.Interval}), was {active.Timeout}.");
            }

            if (!StatusCodeRanges.TryParse(active.HealthyStatuses, out _, out var statusError))
            {
                errors.Add($"{path}: Health.Active.HealthyStatuses {statusError}");
            }

            if (active.MaxConcurrency < 1)
            {
                errors.Add($"{path}: Health.Active.MaxConcurrency must be at least 1, was {active.MaxConcurrency}.");
            }
        }

        if (active.HealthyThreshold < 1)
        {
            errors.Add($"{path}: Health.Active.HealthyThreshold must be at least 1, was {active.HealthyThreshold}.");
        }

        if (active.UnhealthyThreshold < 1)
        {
            errors.Add($"{path}: Health.Active.UnhealthyThreshold must be at least 1, was {active.UnhealthyThreshold}.");
        }

        var outliers = options.OutlierDetection;
        if (outliers.Consecutive5xx < 0)
        {
            errors.Add($"{path}: Health.OutlierDetection.Consecutive5xx must be 0 (off) or more, was {outliers.Consecutive5xx}.");
        }

        if (outliers.ConsecutiveGatewayFailures < 0)
        {
            errors.Add($"{path}: Health.OutlierDetection.ConsecutiveGatewayFailures must be 0 (off) or more, was {outliers.ConsecutiveGatewayFailures}.");
        }

        if (outliers.Interval <= TimeSpan.Zero)
        {
            errors.Add($"{path}: Health.OutlierDetection.Interval must be positive, was {outliers.Interval}.");
        }

        if (outliers.BaseEjectionTime <= TimeSpan.Zero)
        {
            errors.Add($"{path}: Health.OutlierDetection.BaseEjectionTime must be positive, was {outliers.BaseEjectionTime}.");
        }

        if (outliers.MaxEjectionTime < outliers.BaseEjectionTime)
        {
            errors.Add($"{path}: Health.OutlierDetection.MaxEjectionTime ({outliers.MaxEjectionTime}) must not be below BaseEjectionTime ({outliers.BaseEjectionTime}).");
        }

        if (!(outliers.MaxEjectionPercent is >= 0 and <= 100))
        {
            errors.Add($"{path}: Health.OutlierDetection.MaxEjectionPercent must be between 0 and 100, was {F(outliers.MaxEjectionPercent)}.");
        }

        if (outliers.SuccessRateMinimumHosts < 1 || outliers.SuccessRateRequestVolume < 1)
        {
            errors.Add($"{path}: Health.OutlierDetection.SuccessRateMinimumHosts and SuccessRateRequestVolume must be at least 1, were {outliers.SuccessRateMinimumHosts} and {outliers.SuccessRateRequestVolume}.");
        }

        if (!(outliers.SuccessRateStdevFactor > 0) || double.IsInfinity(outliers.SuccessRateStdevFactor))
        {
            errors.Add($"{path}: Health.OutlierDetection.SuccessRateStdevFactor must be a positive number, was {F(outliers.SuccessRateStdevFactor)}.");
        }

        if (!(outliers.FailurePercentageThreshold is >= 0 and <= 100))
        {
            errors.Add($"{path}: Health.OutlierDetection.FailurePercentageThreshold must be between 0 and 100, was {F(outliers.FailurePercentageThreshold)}.");
        }

        if (outliers.FailurePercentageMinimumHosts < 1 || outliers.FailurePercentageRequestVolume < 1)
        {
            errors.Add($"{path}: Health.OutlierDetection.FailurePercentageMinimumHosts and FailurePercentageRequestVolume must be at least 1, were {outliers.FailurePercentageMinimumHosts} and {outliers.FailurePercentageRequestVolume}.");
        }

        var slow = options.SlowStart;
        if (slow.Window < TimeSpan.Zero)
        {
            errors.Add($"{path}: Health.SlowStart.Window must be zero (off) or positive, was {slow.Window}.");
        }

        if (!(slow.MinWeightPercent is >= 1 and <= 100))
        {
            errors.Add($"{path}: Health.SlowStart.MinWeightPercent must be between 1 and 100, was {F(slow.MinWeightPercent)}.");
        }

        if (!(slow.Aggression > 0) || double.IsInfinity(slow.Aggression))
        {
            errors.Add($"{path}: Health.SlowStart.Aggression must be a positive number, was {F(slow.Aggression)}.");
        }
    }

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);
}
