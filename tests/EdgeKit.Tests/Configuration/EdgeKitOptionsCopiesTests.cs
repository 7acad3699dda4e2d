using EdgeKit.Configuration;

namespace EdgeKit.Tests.Configuration;

/// <summary>The generated copies, as a component of another assembly uses them (the gateway's route retry).</summary>
public sealed class EdgeKitOptionsCopiesTests
{
    [Fact]
    public void A_copy_is_deep_and_a_null_source_is_refused()
    {
        var source = new EdgeKitResilienceOptions { MaxRetryAttempts = 4 };
        source.RetryBudget.BudgetPercent = 12.5;

        var copy = source.Clone();
        source.RetryBudget.BudgetPercent = 50;
        source.MaxRetryAttempts = 1;

        copy.MaxRetryAttempts.Should().Be(4);
        copy.RetryBudget.Should().NotBeSameAs(source.RetryBudget);
        copy.RetryBudget.BudgetPercent.Should().Be(12.5);
        ((Func<object>)(() => EdgeKitOptionsCopies.Clone((EdgeKitResilienceOptions)null!))).Should().Throw<ArgumentNullException>().WithParameterName("source");
    }
}
