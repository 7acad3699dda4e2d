using System.Net;
using System.Net.Sockets;
using EdgeKit.Destinations;
using Microsoft.Extensions.ServiceDiscovery;

namespace EdgeKit.Tests.Destinations;

public class ServiceEndpointConverterTests
{
    [Theory]
    [InlineData("https+http://orders", "10.0.0.1:8080", "10.0.0.1:8080", "https://10.0.0.1:8080/")]
    [InlineData("http+https://orders", "10.0.0.1:8080", "10.0.0.1:8080", "http://10.0.0.1:8080/")]
    [InlineData("http://orders", "10.0.0.1:8080", "10.0.0.1:8080", "http://10.0.0.1:8080/")]
    [InlineData("https://orders", "orders-1.internal:8443", "orders-1.internal:8443", "https://orders-1.internal:8443/")]
    [InlineData("orders", "10.0.0.1:8080", "10.0.0.1:8080", "http://10.0.0.1:8080/")]
    [InlineData("_grpc.orders", "orders-1:5000", "orders-1:5000", "http://orders-1:5000/")]
    [InlineData("https+http://orders", "10.0.0.1", "10.0.0.1", "https://10.0.0.1/")]
    [InlineData("https+http://orders", "orders-1", "orders-1", "https://orders-1/")]
    [InlineData("http://orders", "[::1]:5000", "[::1]:5000", "http://[::1]:5000/")]
    [InlineData("http://orders", "[fd00::7]", "[fd00::7]", "http://[fd00::7]/")]
    public void An_endpoint_without_scheme_takes_the_first_scheme_of_the_service_name(string serviceName, string endpoint, string id, string address)
    {
        var destination = Convert(serviceName, endpoint);

        destination.Id.Should().Be(id);
        destination.Address.AbsoluteUri.Should().Be(address);
        destination.Weight.Should().Be(1);
    }

    [Theory]
    [InlineData("http://orders", "https://10.0.0.1:8443", "https://10.0.0.1:8443/", "https://10.0.0.1:8443/")]
    [InlineData("https+http://orders", "http://10.0.0.1:8080", "http://10.0.0.1:8080/", "http://10.0.0.1:8080/")]
    [InlineData("orders", "https://orders-1/api/", "https://orders-1/api/", "https://orders-1/api/")]
    [InlineData("orders", "http://10.0.0.1:8080/api?x=1#top", "http://10.0.0.1:8080/api?x=1#top", "http://10.0.0.1:8080/api")]
    public void A_uri_endpoint_keeps_its_scheme_host_port_and_path(string serviceName, string endpoint, string id, string address)
    {
        var destination = Convert(serviceName, endpoint);

        destination.Id.Should().Be(id);
        destination.Address.AbsoluteUri.Should().Be(address);
    }

    [Fact]
    public void A_first_scheme_that_the_allowed_schemes_exclude_is_a_problem()
    {
        var options = new ServiceDiscoveryOptions { AllowAllSchemes = false, AllowedSchemes = ["http"] };

        TryConvert("https+http://orders", "10.0.0.1:8080", options, out _, out var problem).Should().BeFalse();

        problem.Should().Be("its scheme would be 'https', which ServiceDiscoveryOptions.AllowedSchemes does not allow.");
        Convert("http://orders", "10.0.0.1:8080", options).Address.AbsoluteUri.Should().Be("http://10.0.0.1:8080/");
    }

    [Fact]
    public void A_uri_endpoint_with_another_scheme_is_a_problem()
    {
        TryConvert("orders", "ftp://10.0.0.1:2121", new ServiceDiscoveryOptions(), out _, out var problem).Should().BeFalse();

        problem.Should().Be("address 'ftp://10.0.0.1:2121/' must use http or https, not 'ftp'.");
    }

    [Fact]
    public void An_endpoint_of_another_kind_is_a_problem()
    {
        ServiceEndpointQuery.TryParse("orders", out var query).Should().BeTrue();
        var endpoint = ServiceEndpoint.Create(new UnixDomainSocketEndPoint("/tmp/orders.sock"));

        ServiceEndpointConverter.TryConvert(endpoint, query!, new ServiceDiscoveryOptions(), out var destination, out var problem).Should().BeFalse();

        destination.Should().BeNull();
        problem.Should().Be("endpoints of type UnixDomainSocketEndPoint are not supported; an endpoint must be a URI, an IP address or a host name.");
    }

    [Fact]
    public void Ids_are_the_endpoints_text()
    {
        ServiceEndpointConverter.GetId(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 8080)).Should().Be("10.0.0.1:8080");
        ServiceEndpointConverter.GetId(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 0)).Should().Be("10.0.0.1");
        ServiceEndpointConverter.GetId(new IPEndPoint(IPAddress.IPv6Loopback, 0)).Should().Be("[::1]");
        ServiceEndpointConverter.GetId(new DnsEndPoint("orders-1", 80)).Should().Be("orders-1:80");
        ServiceEndpointConverter.GetId(new DnsEndPoint("orders-1", 0)).Should().Be("orders-1");
        ServiceEndpointConverter.GetId(new UriEndPoint(new Uri("https://orders-1:8443"))).Should().Be("https://orders-1:8443/");
    }

    private static Destination Convert(string serviceName, string endpoint, ServiceDiscoveryOptions? options = null)
    {
        TryConvert(serviceName, endpoint, options ?? new ServiceDiscoveryOptions(), out var destination, out var problem).Should().BeTrue(problem);
        return destination!;
    }

    private static bool TryConvert(string serviceName, string endpoint, ServiceDiscoveryOptions options, out Destination? destination, out string? problem)
    {
        ServiceEndpointQuery.TryParse(serviceName, out var query).Should().BeTrue();
        ServiceEndpoint.TryParse(endpoint, out var serviceEndpoint).Should().BeTrue();
        return ServiceEndpointConverter.TryConvert(serviceEndpoint!, query!, options, out destination, out problem);
    }
}
