using CsCheck;
using EdgeKit.AspNetCore.Transforms;
using EdgeKit.PropertyTesting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;

namespace EdgeKit.AspNetCore.Tests.Transforms;

/// <summary>Properties of <c>PathPattern</c>: route values into a path template.</summary>
public sealed class PathPatternTransformPropertyTests
{
    /// <summary>Whatever a captured value holds (slashes, dots, percent signs, control characters), the path is the template with it inserted.</summary>
    [Fact]
    public void The_path_is_the_pattern_with_each_value_inserted_as_captured()
    {
        var pattern = RoutePatternFactory.Parse("/v2/{a}/x-{b}/{**rest}");
        var transform = new PathPatternTransform(pattern);
        var value = Gen.OneOf<string?>(Gen.Const<string?>((string?)null), HostileText.Mixed("/", "..", "%2F", "%", "?", "#", " ", "\u00e9").Select(s => (string?)s));
        Gen.Select(value, value, value).Sample((a, b, rest) =>
        {
            var http = new DefaultHttpContext();
            http.Request.RouteValues["a"] = a;
            http.Request.RouteValues["b"] = b;
            http.Request.RouteValues["rest"] = rest;
            using var request = new HttpRequestMessage();
            var context = new RequestTransformContext(http, request, "http://backend");

            transform.ApplyAsync(context).AsTask().GetAwaiter().GetResult();

            string expected = "/v2" + (string.IsNullOrEmpty(a) ? "" : "/" + a) + "/x-" + b + (string.IsNullOrEmpty(rest) ? "" : "/" + rest);
            if (context.Path.Value != expected)
            {
                throw new InvalidOperationException($"a='{a}' b='{b}' rest='{rest}': '{context.Path.Value}', expected '{expected}'");
            }

            _ = context.Path.ToUriComponent();
        }, iter: HostileText.Iterations);
    }
}
