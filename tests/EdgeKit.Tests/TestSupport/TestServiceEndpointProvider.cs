using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace EdgeKit.Tests.TestSupport;

/// <summary>
/// A service discovery provider for one service whose answers the test controls: endpoints to return, an error
/// to throw, or a resolution held until released. Every change fires the change token handed out with the last answer.
/// </summary>
internal sealed class TestServiceEndpointProvider : IServiceEndpointProviderFactory
{
    private readonly Lock _lock = new();
    private readonly string _serviceName;
    private List<string> _endpoints = [];
    private Exception? _error;
    private TaskCompletionSource? _hold;
    private TaskCompletionSource _entered = NewSignal();
    private CancellationTokenSource _change = new();

    public TestServiceEndpointProvider(string serviceName, params string[] endpoints)
    {
        _serviceName = serviceName;
        _endpoints = [.. endpoints];
    }

    /// <summary>How many resolutions reached this provider.</summary>
    public int Resolutions { get; private set; }

    /// <summary>Completes when the next resolution reaches this provider.</summary>
    public Task Entered
    {
        get
        {
            lock (_lock)
            {
                return _entered.Task;
            }
        }
    }

    /// <summary>Answers with these endpoints from now on and signals a change.</summary>
    public void Set(params string[] endpoints) => Change(() =>
    {
        _endpoints = [.. endpoints];
        _error = null;
    });

    /// <summary>Fails every resolution with <paramref name="error"/> from now on and signals a change.</summary>
    public void Fail(Exception error) => Change(() => _error = error);

    /// <summary>Holds every resolution until <see cref="Release"/>; signals no change.</summary>
    public void Hold()
    {
        lock (_lock)
        {
            _hold ??= NewSignal();
        }
    }

    /// <summary>Lets held resolutions answer.</summary>
    public void Release()
    {
        TaskCompletionSource? hold;
        lock (_lock)
        {
            hold = _hold;
            _hold = null;
        }

        hold?.TrySetResult();
    }

    public bool TryCreateProvider(ServiceEndpointQuery query, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        provider = string.Equals(query.ServiceName, _serviceName, StringComparison.OrdinalIgnoreCase) ? new Provider(this) : null;
        return provider is not null;
    }

    private void Change(Action change)
    {
        CancellationTokenSource previous;
        lock (_lock)
        {
            change();
            previous = _change;
            _change = new CancellationTokenSource();
        }

        previous.Cancel();
    }

    private async ValueTask PopulateAsync(IServiceEndpointBuilder builder, CancellationToken cancellationToken)
    {
        Task? hold;
        TaskCompletionSource entered;
        lock (_lock)
        {
            Resolutions++;
            hold = _hold?.Task;
            entered = _entered;
            _entered = NewSignal();
        }

        entered.TrySetResult();
        if (hold is not null)
        {
            await hold.WaitAsync(cancellationToken);
        }

        lock (_lock)
        {
            if (_error is not null)
            {
                throw _error;
            }

            foreach (var text in _endpoints)
            {
                builder.Endpoints.Add(ServiceEndpoint.TryParse(text, out var endpoint) ? endpoint : throw new FormatException(text));
            }

            builder.AddChangeToken(new CancellationChangeToken(_change.Token));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Provider(TestServiceEndpointProvider owner) : IServiceEndpointProvider
    {
        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken) =>
            owner.PopulateAsync(endpoints, cancellationToken);

        public ValueTask DisposeAsync() => default;

        public override string ToString() => "Test";
    }
}
