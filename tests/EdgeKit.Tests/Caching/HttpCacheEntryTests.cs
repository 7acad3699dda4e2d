using System.Text;
using EdgeKit.Caching;

namespace EdgeKit.Tests.Caching;

public sealed class HttpCacheEntryTests
{
    private static readonly DateTimeOffset s_request = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Serialisation_keeps_status_headers_body_and_times()
    {
        var entry = new HttpCacheEntry(203, [new("Cache-Control", ["max-age=60"]), new("X-Multi", ["a", "b"]), new("Content-Type", ["text/plain; charset=utf-8"])],
            Encoding.UTF8.GetBytes("héllo"), s_request, s_request.AddMilliseconds(1500));

        var copy = HttpCacheEntry.Deserialize(entry.Serialize());

        copy.StatusCode.Should().Be(203);
        copy.Headers.Should().BeEquivalentTo(entry.Headers, o => o.WithStrictOrdering());
        Encoding.UTF8.GetString(copy.Body.Span).Should().Be("héllo");
        copy.RequestTime.Should().Be(s_request);
        copy.ResponseTime.Should().Be(s_request.AddMilliseconds(1500));
        copy.GetHeader("x-multi").Should().Be("a, b");
        copy.IsVariantIndex.Should().BeFalse();
    }

    [Fact]
    public void A_variant_index_round_trips_with_its_fields()
    {
        var index = HttpCacheEntry.CreateVariantIndex(["accept-language", "x-tenant"], s_request);

        var copy = HttpCacheEntry.Deserialize(index.Serialize());

        copy.IsVariantIndex.Should().BeTrue();
        copy.VaryFields.Should().Equal("accept-language", "x-tenant");
    }

    [Fact]
    public void Corrupt_or_truncated_data_is_a_FormatException()
    {
        var data = new HttpCacheEntry(200, [new("A", ["b"])], new byte[100], s_request, s_request).Serialize();

        FluentActions.Invoking(() => HttpCacheEntry.Deserialize(data.AsSpan(0, data.Length - 10))).Should().Throw<FormatException>()
            .WithMessage("The serialised EdgeKit cache entry is truncated or corrupt.");
        FluentActions.Invoking(() => HttpCacheEntry.Deserialize([9, 1, 2])).Should().Throw<FormatException>()
            .WithMessage("Not a serialised EdgeKit cache entry of format version 1.");
        FluentActions.Invoking(() => HttpCacheEntry.Deserialize([])).Should().Throw<FormatException>();
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        FluentActions.Invoking(() => new HttpCacheEntry(99, [], default, s_request, s_request)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new HttpCacheEntry(200, [], default, s_request, s_request.AddSeconds(-1))).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("The response time must not precede the request time*");
        FluentActions.Invoking(() => new HttpCacheEntry(200, null!, default, s_request, s_request)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Size_counts_the_body_and_the_header_strings()
    {
        var small = new HttpCacheEntry(200, [], new byte[10], s_request, s_request);
        var big = new HttpCacheEntry(200, [new("X", [new string('a', 100)])], new byte[1000], s_request, s_request);

        (big.Size - small.Size).Should().BeGreaterThan(990 + 200);
    }
}
