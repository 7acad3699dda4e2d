using EdgeKit.Aggregation;
using EdgeKit.Configuration;

namespace EdgeKit.Tests.Aggregation;

public class AggregateOptionsValidatorTests
{
    private static readonly HttpClient s_client = new();

    private static EdgeKitConfigurationException Invalid(AggregateOptions options, string name = "agg")
    {
        var create = () => new Aggregator(name, options, _ => s_client);
        return create.Should().Throw<EdgeKitConfigurationException>().Which;
    }

    private static AggregateOptions Legs(params (string Name, string Path)[] legs) => AggregatorFixture.Options(legs);

    [Fact]
    public void A_cycle_is_rejected_with_its_path()
    {
        var options = Legs(("a", "/a/{c.id}"), ("b", "/b/{a.id}"), ("c", "/c/{b.id}"), ("d", "/d"));

        Invalid(options).Errors.Should().Equal("Aggregate 'agg': legs depend on each other in a cycle: a -> c -> b -> a.");
    }

    [Fact]
    public void A_leg_that_depends_on_itself_is_a_cycle()
    {
        Invalid(Legs(("a", "/a/{a.next}"))).Errors.Should().Equal("Aggregate 'agg': legs depend on each other in a cycle: a -> a.");
    }

    [Fact]
    public void A_fan_out_over_its_own_values_is_a_cycle()
    {
        var options = Legs(("a", "/a"));
        options.Legs[0].ForEach = "a.items";

        Invalid(options).Errors.Should().Contain("Aggregate 'agg': legs depend on each other in a cycle: a -> a.");
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new AggregateOptions { MaxResponseBytes = 0, ForwardedRequestHeaders = ["Connection"] };
        options.Legs.Add(new AggregateLegOptions { Name = "a", Path = "a", Timeout = TimeSpan.Zero, MaxResponseBytes = -1 });
        options.Legs.Add(new AggregateLegOptions { Name = "b", Cluster = "x", Client = "y", Path = "/b/{item.id}", Default = "[]", Method = "G ET" });
        options.Legs.Add(new AggregateLegOptions { Name = "c", Cluster = "x", Path = "/c/{nope.id}/{open", Required = false, Default = "{bad", MaxConcurrency = 0 });

        Invalid(options).Errors.Should().Equal(
            "Aggregate 'agg': MaxResponseBytes must be positive, was 0.",
            "Aggregate 'agg': ForwardedRequestHeaders: 'Connection' is a hop-by-hop, framing or Host header and cannot be forwarded.",
            "Aggregate 'agg', leg 'a': set exactly one of Cluster and Client.",
            "Aggregate 'agg', leg 'a': Path must start with '/', was 'a'.",
            "Aggregate 'agg', leg 'a': Timeout must be between 1 ms and 24 h, or Timeout.InfiniteTimeSpan for none, was 00:00:00.",
            "Aggregate 'agg', leg 'a': MaxResponseBytes must be positive, was -1.",
            "Aggregate 'agg', leg 'b': set exactly one of Cluster and Client.",
            "Aggregate 'agg', leg 'b': Method 'G ET' is not a valid HTTP method token.",
            "Aggregate 'agg', leg 'b': a Default is only used by an optional leg; set Required to false or remove the Default.",
            "Aggregate 'agg', leg 'b': placeholder '{item.id}' names the element of a fan-out, but the leg has no ForEach.",
            "Aggregate 'agg', leg 'c', Path: placeholder '{nope.id}' names no leg 'nope' (arguments have no dots).",
            "Aggregate 'agg', leg 'c', Path: '/c/{nope.id}/{open' has a '{' at position 13 that opens no placeholder; a placeholder is {name} with letters, digits, '_', '-' and '.'.",
            "Aggregate 'agg', leg 'c': Default is not valid JSON: '{bad'.",
            "Aggregate 'agg', leg 'c': MaxConcurrency must be between 1 and 64, was 0.");
    }

    [Fact]
    public void A_placeholder_with_a_dot_must_name_a_leg()
    {
        Invalid(Legs(("a", "/a/{b.id}"))).Errors.Should().Equal("Aggregate 'agg', leg 'a', Path: placeholder '{b.id}' names no leg 'b' (arguments have no dots).");
    }

    [Fact]
    public void Leg_names_are_unique_not_item_and_made_of_name_characters()
    {
        var options = Legs(("a", "/a"), ("A", "/b"), ("item", "/c"), ("x y", "/d"));

        Invalid(options).Errors.Should().Equal(
            "Aggregate 'agg': two legs are named 'A'; leg names are unique (case-insensitive).",
            "Aggregate 'agg': a leg cannot be named 'item', which names the element of a fan-out.",
            "Aggregate 'agg': leg 3 has the name 'x y'; a leg's name is letters, digits, '_' and '-'.");
    }

    [Fact]
    public void An_aggregate_needs_a_leg()
    {
        Invalid(new AggregateOptions()).Errors.Should().Equal("Aggregate 'agg' has no legs; add at least one.");
    }

    [Fact]
    public void Values_of_a_fan_out_cannot_be_used_and_a_fan_out_cannot_be_merged()
    {
        var options = Legs(("order", "/o"), ("lines", "/l/{item}"), ("first", "/f/{lines.0.id}"));
        options.Legs[1].ForEach = "order.lines";
        options.Legs[1].Output = AggregateLegOutput.Merge;

        Invalid(options).Errors.Should().Equal(
            "Aggregate 'agg', leg 'lines': a leg that fans out (ForEach) writes an array and cannot be merged.",
            "Aggregate 'agg': leg 'first' uses values of leg 'lines', which fans out (ForEach); a fan-out's responses cannot be referred to.");
    }

    [Fact]
    public void For_each_must_start_with_a_leg()
    {
        var options = Legs(("lines", "/l/{item}"));
        options.Legs[0].ForEach = "items";

        Invalid(options).Errors.Should().Equal("Aggregate 'agg', leg 'lines': ForEach 'items' must start with the name of another leg, e.g. 'order.items'.");
    }

    [Fact]
    public void Framing_headers_cannot_be_set_and_a_merged_default_must_be_an_object()
    {
        var options = Legs(("a", "/a"));
        options.Legs[0].Headers["Host"] = "evil";
        options.Legs[0].Required = false;
        options.Legs[0].Output = AggregateLegOutput.Merge;
        options.Legs[0].Default = "[]";

        Invalid(options).Errors.Should().Equal(
            "Aggregate 'agg', leg 'a': header 'Host' cannot be set on a leg.",
            "Aggregate 'agg', leg 'a': Default is not a JSON object (the leg is merged): '[]'.");
    }

    [Fact]
    public void The_options_are_copied_so_later_changes_do_not_reach_the_aggregator()
    {
        var options = Legs(("a", "/a"));
        var aggregator = new Aggregator("agg", options, _ => s_client);

        options.Legs[0].Path = "not a path";
        options.Legs.Clear();

        aggregator.Legs.Should().ContainSingle().Which.Options.Path.Should().Be("/a");
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var leg = new AggregateLegOptions();
        leg.Method.Should().Be("GET");
        leg.Timeout.Should().Be(TimeSpan.FromSeconds(10));
        leg.Required.Should().BeTrue();
        leg.MaxResponseBytes.Should().Be(1024 * 1024);
        leg.MaxConcurrency.Should().Be(4);
        leg.Output.Should().Be(AggregateLegOutput.Property);
        leg.BodyContentType.Should().Be("application/json");
        var aggregate = new AggregateOptions();
        aggregate.MaxResponseBytes.Should().Be(4 * 1024 * 1024);
        aggregate.MissingProperty.Should().Be("_missing");
        AggregateOptions.DefaultForwardedRequestHeaders.Should().Equal("Authorization", "Cookie", "Accept-Language", "X-Request-Id", "X-Correlation-Id");
    }

    [Fact]
    public void A_dictionary_of_clients_must_have_every_legs_client()
    {
        var options = Legs(("a", "/a"));
        options.AddLeg("b", l => { l.Client = "payments"; l.Path = "/b"; });

        var create = () => new Aggregator("agg", options, new Dictionary<string, HttpClient> { ["backend"] = s_client });

        create.Should().Throw<EdgeKitConfigurationException>().Which.Errors.Should().Equal("Aggregate 'agg': no HttpClient was given for 'payments'.");
    }
}
