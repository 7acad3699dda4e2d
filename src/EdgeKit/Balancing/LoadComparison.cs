using System.Runtime.CompilerServices;
using EdgeKit.Destinations;

namespace EdgeKit.Balancing;

/// <summary>Comparisons of destinations' load shared by the least-request strategies.</summary>
internal static class LoadComparison
{
    /// <summary>
    /// Whether <paramref name="a"/> carries less load per unit of weight than <paramref name="b"/>:
    /// (in-flight + 1) / weight, compared without division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLessLoaded(DestinationState a, int aInFlight, DestinationState b, int bInFlight) =>
        ((long)aInFlight + 1) * b.Destination.Weight < ((long)bInFlight + 1) * a.Destination.Weight;

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
