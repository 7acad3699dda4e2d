namespace EdgeKit.Simulation;

/// <summary>When requests arrive: an open loop, independent of how fast they are answered.</summary>
public abstract class ArrivalProcess
{
    /// <summary>Poisson arrivals: exponential gaps with mean 1/rate, as from many independent clients.</summary>
    /// <param name="requestsPerSecond">The mean rate; must be positive.</param>
    /// <returns>The process.</returns>
    public static ArrivalProcess Poisson(double requestsPerSecond) => new PoissonArrivals(requestsPerSecond);

    /// <summary>Evenly spaced arrivals, the first at time zero.</summary>
    /// <param name="requestsPerSecond">The rate; must be positive.</param>
    /// <returns>The process.</returns>
    public static ArrivalProcess Fixed(double requestsPerSecond) => new FixedArrivals(requestsPerSecond);

    /// <summary>The time from time zero to the first arrival.</summary>
    /// <param name="random">The simulation's arrival random source.</param>
    /// <returns>A time, zero or more.</returns>
    public abstract TimeSpan First(Random random);

    /// <summary>The time from one arrival to the next.</summary>
    /// <param name="random">The simulation's arrival random source.</param>
    /// <returns>A time, zero or more.</returns>
    public abstract TimeSpan Next(Random random);

    private static double CheckRate(double requestsPerSecond)
    {
        if (!(requestsPerSecond > 0) || double.IsInfinity(requestsPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), requestsPerSecond, "The arrival rate must be a positive, finite number.");
        }

        return requestsPerSecond;
    }

    private sealed class PoissonArrivals(double requestsPerSecond) : ArrivalProcess
    {
        private readonly double _meanGapTicks = TimeSpan.TicksPerSecond / CheckRate(requestsPerSecond);

        public override TimeSpan First(Random random) => Next(random);

        public override TimeSpan Next(Random random) =>
            TimeSpan.FromTicks((long)Math.Round(-Math.Log(1.0 - random.NextDouble()) * _meanGapTicks));

        public override string ToString() =>
            $"Poisson, {requestsPerSecond.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} requests/s";
    }

    private sealed class FixedArrivals(double requestsPerSecond) : ArrivalProcess
    {
        private readonly TimeSpan _gap = TimeSpan.FromTicks((long)Math.Round(TimeSpan.TicksPerSecond / CheckRate(requestsPerSecond)));

        public override TimeSpan First(Random random) => TimeSpan.Zero;

        public override TimeSpan Next(Random random) => _gap;

        public override string ToString() =>
            $"fixed, {requestsPerSecond.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} requests/s";
    }
}
