using EdgeKit.Configuration;
using EdgeKit.Destinations;
using EdgeKit.Resilience;

namespace EdgeKit.Tests.Resilience;

public class RetryBudgetTests
{
    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 3)]
    [InlineData(15, 3)]
    [InlineData(20, 4)]
    [InlineData(24, 4)]
    [InlineData(25, 5)]
    [InlineData(100, 20)]
    public void The_limit_is_20_percent_of_active_requests_and_at_least_3(int active, int limit)
    {
        RetryBudget.Limit(new RetryBudgetOptions(), active).Should().Be(limit);
    }

    [Fact]
    public void Slots_are_taken_up_to_the_limit_and_given_back()
    {
        var budget = new RetryBudget();
        var options = new RetryBudgetOptions();
        for (int i = 0; i < 20; i++)
        {
            budget.RequestStarted();
        }

        Enumerable.Range(0, 5).Select(_ => budget.TryAcquire(options, out _)).Should().Equal(true, true, true, true, false);
        budget.ActiveRetries.Should().Be(4);
        budget.Release();
        budget.TryAcquire(options, out int limit).Should().BeTrue();
        limit.Should().Be(4);
    }

    [Fact]
    public void Concurrent_acquisitions_never_exceed_the_limit()
    {
        var budget = new RetryBudget();
        var options = new RetryBudgetOptions { BudgetPercent = 10, MinRetryConcurrency = 0 };
        for (int i = 0; i < 1000; i++)
        {
            budget.RequestStarted();
        }

        int acquired = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (budget.TryAcquire(options, out _))
            {
                Interlocked.Increment(ref acquired);
            }
        });

        acquired.Should().Be(100);
        budget.ActiveRetries.Should().Be(100);
    }

    [Fact]
    public void Every_client_of_a_cluster_shares_its_budget()
    {
        using var orders = new Cluster("orders");
        using var billing = new Cluster("billing");

        RetryBudget.For(orders).Should().BeSameAs(RetryBudget.For(orders));
        RetryBudget.For(orders).Should().NotBeSameAs(RetryBudget.For(billing));
    }

    [Fact]
    public void An_exhausted_budget_is_reported_at_most_once_per_interval_with_the_refusals_since()
    {
        var budget = new RetryBudget();
        var options = new RetryBudgetOptions { MinRetryConcurrency = 0, BudgetPercent = 0 };
        budget.TryAcquire(options, out _).Should().BeFalse();

        budget.ShouldWarn(now: 1000, interval: 100, out long denied).Should().BeTrue();
        denied.Should().Be(1);
        budget.TryAcquire(options, out _);
        budget.TryAcquire(options, out _);
        budget.ShouldWarn(now: 1099, interval: 100, out _).Should().BeFalse();
        budget.ShouldWarn(now: 1100, interval: 100, out denied).Should().BeTrue();
        denied.Should().Be(2);
    }
}
