using EdgeKit.AspNetCore.Transport;
using EdgeKit.AspNetCore.Transport.Epoll.Kestrel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Tests.Transport;

/// <summary><see cref="EdgeKitSocketOptions"/> and <c>UseEdgeKitSockets</c>'s registrations.</summary>
public sealed class EpollKestrelOptionsTests
{
    [Fact]
    public void The_defaults_are_Kestrels()
    {
        var options = new EdgeKitSocketOptions();

        options.UnsafeInlineCompletions.Should().BeFalse();
        options.NoDelay.Should().BeTrue();
        options.MaxReadBufferSize.Should().Be(1024 * 1024);
        options.MaxWriteBufferSize.Should().Be(64 * 1024);
        options.Backlog.Should().Be(512);
        options.BackendConnections.Should().BeTrue();
    }

    [Fact]
    public void Null_and_zero_buffer_sizes_mean_unlimited_and_are_accepted()
    {
        var options = new EdgeKitSocketOptions { MaxReadBufferSize = null, MaxWriteBufferSize = 0 };

        options.MaxReadBufferSize.Should().BeNull();
        options.MaxWriteBufferSize.Should().Be(0);
    }

    [Fact]
    public void A_negative_read_buffer_size_is_refused_naming_the_option()
    {
        var set = () => new EdgeKitSocketOptions { MaxReadBufferSize = -1 };

        set.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "MaxReadBufferSize" && e.ActualValue!.Equals(-1L))
            .WithMessage("EdgeKitSocketOptions.MaxReadBufferSize must be 0 or more, or null for no limit.*");
    }

    [Fact]
    public void A_negative_write_buffer_size_is_refused_naming_the_option()
    {
        var set = () => new EdgeKitSocketOptions { MaxWriteBufferSize = -5 };

        set.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "MaxWriteBufferSize")
            .WithMessage("EdgeKitSocketOptions.MaxWriteBufferSize must be 0 or more, or null for no limit.*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_backlog_below_one_is_refused_naming_the_option(int backlog)
    {
        var set = () => new EdgeKitSocketOptions { Backlog = backlog };

        set.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "Backlog")
            .WithMessage("EdgeKitSocketOptions.Backlog must be 1 or more.*");
    }

    [Fact]
    public void UseEdgeKitSockets_runs_the_configuration_at_once_so_a_bad_value_fails_there()
    {
        var builder = WebApplication.CreateSlimBuilder();

        var use = () => builder.WebHost.UseEdgeKitSockets(o => o.MaxReadBufferSize = -1);

        use.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "MaxReadBufferSize");
    }

    [Fact]
    public void UseEdgeKitSockets_registers_its_factory_after_Kestrels_and_keeps_the_options()
    {
        var builder = WebApplication.CreateSlimBuilder();

        builder.WebHost.UseEdgeKitSockets(o =>
        {
            o.UnsafeInlineCompletions = true;
            o.NoDelay = false;
            o.BackendConnections = false;
        });
        // Twice: harmless, one factory of each kind.
        builder.WebHost.UseEdgeKitSockets(o =>
        {
            o.UnsafeInlineCompletions = true;
            o.NoDelay = false;
            o.BackendConnections = false;
        });
        using var app = builder.Build();

        var factories = app.Services.GetServices<IConnectionListenerFactory>().Select(f => f.GetType()).ToList();
        factories.Should().Equal(typeof(SocketTransportFactory), typeof(EpollTransportFactory));
        var options = app.Services.GetRequiredService<IOptions<EdgeKitSocketOptions>>().Value;
        options.UnsafeInlineCompletions.Should().BeTrue();
        options.NoDelay.Should().BeFalse();
    }
}
