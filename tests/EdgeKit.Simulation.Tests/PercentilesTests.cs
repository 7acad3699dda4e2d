namespace EdgeKit.Simulation.Tests;

public class PercentilesTests
{
    private static readonly long[] s_oneToHundred = Enumerable.Range(1, 100).Select(i => (long)i).ToArray();

    [Theory]
    [InlineData(50, 50)]
    [InlineData(99, 99)]
    [InlineData(99.9, 100)]
    [InlineData(100, 100)]
    [InlineData(1, 1)]
    [InlineData(0.5, 1)]
    [InlineData(50.5, 51)]
    public void Nearest_rank_of_one_to_a_hundred(double percentile, long expected) =>
        Percentiles.NearestRank(s_oneToHundred, percentile).Should().Be(expected);

    [Fact]
    public void The_999th_of_a_thousand_is_p99_9()
    {
        // 99.9 % of 1000 is exactly 999 (not 999.0000000001, which a naive ceiling would round up to 1000).
        var values = Enumerable.Range(1, 1000).Select(i => (long)i).ToArray();
        Percentiles.NearestRank(values, 99.9).Should().Be(999);
        Percentiles.NearestRank(values, 99).Should().Be(990);
        Percentiles.NearestRank(values, 50).Should().Be(500);
    }

    [Fact]
    public void Picks_a_value_of_the_data_without_interpolating()
    {
        long[] values = [10, 20, 30, 40];
        Percentiles.NearestRank(values, 50).Should().Be(20);
        Percentiles.NearestRank(values, 51).Should().Be(30);
        Percentiles.NearestRank(values, 75).Should().Be(30);
        Percentiles.NearestRank(values, 99).Should().Be(40);
    }

    [Fact]
    public void One_value_is_every_percentile()
    {
        Percentiles.NearestRank([7], 0.1).Should().Be(7);
        Percentiles.NearestRank([7], 100).Should().Be(7);
    }

    [Fact]
    public void Rejects_no_values() =>
        FluentActions.Invoking(() => Percentiles.NearestRank([], 50))
            .Should().Throw<ArgumentException>().WithMessage("A percentile needs at least one value.*");

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100.1)]
    [InlineData(double.NaN)]
    public void Rejects_a_percentile_outside_0_to_100(double percentile) =>
        FluentActions.Invoking(() => Percentiles.NearestRank([1, 2, 3], percentile))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("The percentile must be greater than 0 and at most 100.*");
}
