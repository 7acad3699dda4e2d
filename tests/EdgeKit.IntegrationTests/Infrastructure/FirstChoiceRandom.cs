namespace EdgeKit.IntegrationTests.Infrastructure;

/// <summary>
/// A "random" source that always draws the lowest value, so random strategies always choose the first
/// destination they are offered: the worst case for a retry, which must then avoid it explicitly.
/// </summary>
internal sealed class FirstChoiceRandom : Random
{
    public override int Next() => 0;

    public override int Next(int maxValue) => 0;

    public override int Next(int minValue, int maxValue) => minValue;

    public override long NextInt64() => 0;

    public override long NextInt64(long maxValue) => 0;

    public override long NextInt64(long minValue, long maxValue) => minValue;

    public override double NextDouble() => 0;

    public override float NextSingle() => 0;

    public override void NextBytes(byte[] buffer) => Array.Clear(buffer);

    public override void NextBytes(Span<byte> buffer) => buffer.Clear();

    protected override double Sample() => 0;
}
