using EdgeKit.Configuration;
using EdgeKit.Resilience;

namespace EdgeKit.Tests.Resilience;

public class EdgeKitResilienceOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_documented_and_valid()
    {
        var options = new EdgeKitResilienceOptions();

        options.MaxRetryAttempts.Should().Be(2);
        options.BaseDelay.Should().Be(TimeSpan.FromMilliseconds(25));
        options.MaxDelay.Should().Be(TimeSpan.FromMilliseconds(250));
        options.UseJitter.Should().BeTrue();
        options.MaxRetryAfter.Should().Be(TimeSpan.FromSeconds(5));
        options.RetryableStatuses.Should().Be("408,429,502-504");
        options.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(10));
        options.TotalTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.RetryBudget.BudgetPercent.Should().Be(20);
        options.RetryBudget.MinRetryConcurrency.Should().Be(3);
        options.Hedging.Enabled.Should().BeFalse();
        options.Hedging.Delay.Should().Be(TimeSpan.FromSeconds(2));
        options.Hedging.MaxHedgedAttempts.Should().Be(1);
        options.RetryOn.Should().Be("connect-failure,reset,timeout,retriable-status-codes");
        options.AllowNonIdempotent.Should().BeFalse();
        options.MaxReplayBodySize.Should().Be(64 * 1024);
        Errors(options).Should().BeEmpty();
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_exact_message()
    {
        var options = new EdgeKitResilienceOptions
        {
            MaxRetryAttempts = 11,
            BaseDelay = TimeSpan.FromMilliseconds(-1),
            MaxDelay = TimeSpan.FromMilliseconds(-2),
            MaxRetryAfter = TimeSpan.FromSeconds(-1),
            RetryableStatuses = "503,abc",
            RetryOn = "reset,,5xx",
            MaxReplayBodySize = -1,
            AttemptTimeout = TimeSpan.FromMilliseconds(5),
            TotalTimeout = TimeSpan.FromDays(2),
            RetryBudget = new RetryBudgetOptions { BudgetPercent = 120, MinRetryConcurrency = -1 },
            Hedging = new HedgingOptions { Enabled = true, MaxHedgedAttempts = 0, Delay = TimeSpan.FromSeconds(-1) },
        };

        Errors(options).Should().Equal(
            "P: MaxRetryAttempts must be between 0 (no retries) and 10, was 11.",
            "P: BaseDelay must be zero or positive, was -00:00:00.0010000.",
            "P: MaxDelay (-00:00:00.0020000) must not be below BaseDelay (-00:00:00.0010000).",
            "P: MaxRetryAfter must be zero (ignore Retry-After) or positive, was -00:00:01.",
            "P: RetryableStatuses '503,abc' is not a list of status codes and ranges from 100 to 599 such as '200-399' ('abc' is wrong).",
            "P: RetryOn 'reset,,5xx' has an empty entry; use condition names separated by commas (connect-failure, reset, timeout, retriable-status-codes, gateway-error, 5xx).",
            "P: MaxReplayBodySize must be 0 or more, was -1.",
            "P: AttemptTimeout must be between 10 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was 00:00:00.0050000.",
            "P: TotalTimeout must be between 10 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was 2.00:00:00.",
            "P: RetryBudget.BudgetPercent must be between 0 and 100, was 120.",
            "P: RetryBudget.MinRetryConcurrency must be 0 or more, was -1.",
            "P: Hedging.MaxHedgedAttempts must be between 1 and 10, was 0.",
            "P: Hedging.Delay must be zero (all attempts at once) or positive, was -00:00:01.");
    }

    [Fact]
    public void Rules_across_properties_are_checked()
    {
        var options = new EdgeKitResilienceOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(10),
            TotalTimeout = TimeSpan.FromSeconds(5),
            Hedging = new HedgingOptions { Enabled = true, Delay = TimeSpan.FromSeconds(10) },
        };

        Errors(options).Should().Equal(
            "P: TotalTimeout (00:00:05) must not be below AttemptTimeout (00:00:10).",
            "P: Hedging.Delay (00:00:10) must be below AttemptTimeout (00:00:10); otherwise no attempt is hedged before it times out.");
    }

    [Fact]
    public void Either_timeout_may_be_infinite()
    {
        Errors(new EdgeKitResilienceOptions { AttemptTimeout = Timeout.InfiniteTimeSpan }).Should().BeEmpty();
        Errors(new EdgeKitResilienceOptions { AttemptTimeout = Timeout.InfiniteTimeSpan, TotalTimeout = Timeout.InfiniteTimeSpan }).Should().BeEmpty();
        Errors(new EdgeKitResilienceOptions { TotalTimeout = Timeout.InfiniteTimeSpan }).Should().BeEmpty();
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("500-599", true)]
    [InlineData("408, 429", true)]
    [InlineData("200", false)]
    [InlineData("302-404", false)]
    public void Retryable_statuses_are_error_statuses_or_none(string statuses, bool valid)
    {
        var errors = Errors(new EdgeKitResilienceOptions { RetryableStatuses = statuses });

        if (valid)
        {
            errors.Should().BeEmpty();
        }
        else
        {
            errors.Should().ContainSingle().Which.Should().Be($"P: RetryableStatuses '{statuses}' lists {(statuses == "200" ? 200 : 302)}; only error statuses (400 to 599) can be retried.");
        }
    }

    [Fact]
    public void Null_sections_are_reported()
    {
        Errors(new EdgeKitResilienceOptions { RetryBudget = null!, Hedging = null! }).Should().Equal(
            "P: RetryBudget must not be null.",
            "P: Hedging must not be null.");
    }

    [Fact]
    public void Hedging_settings_are_checked_only_when_hedging_is_on()
    {
        Errors(new EdgeKitResilienceOptions { Hedging = new HedgingOptions { MaxHedgedAttempts = 0 } }).Should().BeEmpty();
    }

    [Fact]
    public void The_options_validator_names_the_client()
    {
        var result = new EdgeKitResilienceOptionsValidator().Validate("orders", new EdgeKitResilienceOptions { MaxRetryAttempts = -1 });

        result.Failed.Should().BeTrue();
        result.Failures.Should().Equal("EdgeKit resilience of client 'orders': MaxRetryAttempts must be between 0 (no retries) and 10, was -1.");
    }

    private static List<string> Errors(EdgeKitResilienceOptions options)
    {
        var errors = new List<string>();
        EdgeKitResilienceOptionsValidator.Validate(options, "P", errors);
        return errors;
    }
}
