using System.Runtime.CompilerServices;

namespace EdgeKit.Balancing;

/// <summary>Comparisons of destinations' load shared by the least-request strategies.</summary>
internal static class LoadComparison
{
    /// <summary>
    /// Whether a destination with <paramref name="aInFlight"/> requests and weight <paramref name="aWeight"/> carries
    /// less load per unit of weight than one with <paramref name="bInFlight"/> and <paramref name="bWeight"/>:
    /// (in-flight + 1) / weight, compared without division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLessLoaded(int aInFlight, int aWeight, int bInFlight, int bWeight) =>
        ((long)aInFlight + 1) * bWeight < ((long)bInFlight + 1) * aWeight;

    /// <summary>Two different random indexes below <paramref name="count"/> (which is at least 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int First, int Second) TwoDistinct(Random random, int count)
    {
        int first = random.Next(count);
        int second = random.Next(count - 1);
        if (second >= first)
        {
            second++;
        }

        return (first, second);
    }
}
