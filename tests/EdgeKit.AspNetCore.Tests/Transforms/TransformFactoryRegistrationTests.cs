using EdgeKit.AspNetCore.Transforms;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeKit.AspNetCore.Tests.Transforms;

/// <summary>
/// The transform builder's own checks of the factories it is given (keys unique, no key that is a setting of another,
/// one registration per factory type). What a third-party factory does in a gateway is proven through the public
/// surface only in tests/EdgeKit.PublicApi.Tests (Transforms/TransformFactoryTests).
/// </summary>
public sealed class TransformFactoryRegistrationTests
{
    private const string BuiltInKeys = "PathPrefix, PathRemovePrefix, PathSet, PathPattern, QueryParameter, QueryRemoveParameter, HttpMethodChange, RequestHeader, RequestHeaderRemove, RequestHeaderOriginalHost, ResponseHeader, ResponseHeaderRemove, X-Forwarded, Forwarded, RequestBodyJson, ResponseBodyJson";

    [Fact]
    public void Two_factories_with_the_same_key_are_an_error()
    {
        var act = () => new RouteTransformBuilder([], factories: [new StampTransformFactory(), new OtherStampTransformFactory()]);

        act.Should().Throw<InvalidOperationException>().WithMessage(
            $"Two transform factories use the key 'stamp': {typeof(StampTransformFactory).FullName} and {typeof(OtherStampTransformFactory).FullName}. Transform keys must be unique.");
    }

    [Fact]
    public void Two_factories_with_the_same_key_fail_the_start()
    {
        using var services = new ServiceCollection().AddLogging().AddEdgeKit()
            .AddTransformFactory<StampTransformFactory>()
            .AddTransformFactory<OtherStampTransformFactory>()
            .Services.BuildServiceProvider();

        var resolve = () => services.GetRequiredService<IRouteTransformBuilder>();

        resolve.Should().Throw<InvalidOperationException>().WithMessage("Two transform factories use the key 'stamp'*");
    }

    [Fact]
    public void A_factory_whose_key_is_a_setting_of_another_is_an_error()
    {
        var act = () => new RouteTransformBuilder([], factories: [.. BuiltInTransformFactories.Create(), new SetTransformFactory()]);

        act.Should().Throw<InvalidOperationException>().WithMessage(
            $"The transform factory {typeof(SetTransformFactory).FullName} uses the key 'Set', which is a setting of 'QueryParameter' ({typeof(QueryParameterTransformFactory).FullName}). Choose another key.");
    }

    [Fact]
    public void Registering_the_same_factory_twice_registers_it_once_after_the_built_in_ones()
    {
        using var services = new ServiceCollection().AddLogging().AddEdgeKit()
            .AddTransformFactory<StampTransformFactory>()
            .AddTransformFactory<StampTransformFactory>()
            .Services.BuildServiceProvider();

        var builder = (RouteTransformBuilder)services.GetRequiredService<IRouteTransformBuilder>();

        string.Join(", ", builder.Keys).Should().Be(BuiltInKeys + ", Stamp");
    }

    private sealed class StampTransformFactory : ITransformFactory
    {
        public string Key => "Stamp";

        public IReadOnlyList<string> Settings { get; } = ["Header"];

        public void Build(TransformFactoryContext context)
        {
        }
    }

    private sealed class OtherStampTransformFactory : ITransformFactory
    {
        public string Key => "stamp";

        public IReadOnlyList<string> Settings { get; } = [];

        public void Build(TransformFactoryContext context)
        {
        }
    }

    private sealed class SetTransformFactory : ITransformFactory
    {
        public string Key => "Set";

        public IReadOnlyList<string> Settings { get; } = [];

        public void Build(TransformFactoryContext context)
        {
        }
    }
}
