namespace EdgeKit.Simulation;

/// <summary>Percentiles by the nearest-rank method.</summary>
public static class Percentiles
{
    /// <summary>
    /// The nearest-rank percentile of sorted values: the smallest value such that at least
    /// <paramref name="percentile"/> % of the values are at or below it, i.e. the ⌈p/100 × n⌉-th smallest.
    /// No interpolation: the answer is always one of the values.
    /// </summary>
    /// <param name="sorted">The values in ascending order; not empty.</param>
    /// <param name="percentile">From 0 (exclusive) to 100 (inclusive).</param>
    /// <returns>The percentile.</returns>
    /// <exception cref="ArgumentException">The values are empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The percentile is outside (0, 100].</exception>
    public static long NearestRank(ReadOnlySpan<long> sorted, double percentile)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("A percentile needs at least one value.", nameof(sorted));
        }

        if (!(percentile > 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be greater than 0 and at most 100.");
        }

        // Rounded before the ceiling so that 99.9 % of 1000 is rank 999, not 1000 through a binary-fraction error.
        double exact = Math.Round(percentile / 100.0 * sorted.Length, 9);
        int rank = (int)Math.Ceiling(exact);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
