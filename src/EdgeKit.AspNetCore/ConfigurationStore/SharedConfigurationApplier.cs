using EdgeKit.AspNetCore.Gateway;
using EdgeKit.ConfigurationStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>
/// Keeps an instance on the store's current version: on every change notification, and every
/// <see cref="ConfigurationStoreOptions.PollInterval"/> in case one was missed, it reads the current version and, when
/// it differs from the one applied, validates it on this instance (the dry run) and applies it through the configuration
/// provider, which reloads the configuration exactly as a file change does. A version this instance cannot apply is
/// reported (status API, log) and the configuration in force stays. The store unreachable: the instance keeps serving
/// what it applied, logs it once, and catches up when the store answers again.
/// </summary>
internal sealed class SharedConfigurationApplier : IHostedService, IAsyncDisposable
{
    private readonly SharedConfigurationSource _source;
    private readonly SharedDocumentValidator _validator;
    private readonly GatewayConfiguration _gateway;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _applyLock = new();
    private Task? _loop;
    private int _disposed;

    public SharedConfigurationApplier(SharedConfigurationSource source, SharedDocumentValidator validator, GatewayConfiguration gateway, TimeProvider time, ILogger<SharedConfigurationApplier> logger)
    {
        _source = source;
        _validator = validator;
        _gateway = gateway;
        _time = time;
        _logger = logger;
    }

    private SharedConfigurationProvider Provider => _source.Provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Provider.StartupProblem is { } problem)
        {
            ConfigurationStoreLog.StartedWithoutStore(_logger, problem, Provider.Status.Origin == SharedConfigurationOrigin.Cache
                ? $"the cached version {Provider.Status.AppliedVersion}"
                : "the files");
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        IAsyncDisposable? subscription = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                subscription ??= await TrySubscribeAsync(stopping);
                await CheckAsync(stopping);
                await WaitAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }
        }
    }

    private async Task<IAsyncDisposable?> TrySubscribeAsync(CancellationToken stopping)
    {
        try
        {
            return await _source.Store.SubscribeAsync(_ => Wake(), stopping);
        }
        catch (ConfigurationStoreUnavailableException)
        {
            // Retried on the next round; the periodic check covers the gap.
            return null;
        }
    }

    /// <summary>Wakes the loop for a check now (a change notification).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A check is already due.
        }
    }

    private async Task WaitAsync(CancellationToken stopping)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var delay = Task.Delay(Provider.Options.PollInterval, _time, round.Token);
        var woken = _wake.WaitAsync(round.Token);
        await Task.WhenAny(delay, woken);
        await round.CancelAsync();
        await Task.WhenAll(delay, woken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.ThrowIfCancellationRequested();
    }

    /// <summary>Reads the store's current version and applies it when it differs from the one in force.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        ConfigurationVersion? current;
        try
        {
            current = await _source.Store.GetCurrentAsync(cancellationToken);
        }
        catch (ConfigurationStoreUnavailableException ex)
        {
            if (Provider.Status.StoreReachable)
            {
                ConfigurationStoreLog.Unreachable(_logger, Provider.Status.AppliedVersion, ex);
            }

            Provider.SetStatus(s => s with { StoreReachable = false, StoreError = ex.Message });
            return;
        }

        if (!Provider.Status.StoreReachable)
        {
            ConfigurationStoreLog.Reachable(_logger);
        }

        Provider.SetStatus(s => s with { StoreReachable = true, StoreError = null });
        if (current is not null)
        {
            TryApply(current);
        }
    }

    /// <summary>Validates and applies a version, unless it is the one in force or one already refused; false when refused.</summary>
    internal bool TryApply(ConfigurationVersion version)
    {
        lock (_applyLock)
        {
            var status = Provider.Status;
            bool refused = status.LastRejected is { } last && last.Version == version.Version && last.Document == version.Document;
            if (refused || (Provider.Applied?.Version == version.Version && Provider.Applied.Document == version.Document))
            {
                return !refused;
            }

            var errors = _validator.Validate(version.Document);
            var data = errors.Count == 0 ? Provider.Document.Flatten(version.Document, errors) : null;
            if (data is null)
            {
                Reject(version, errors);
                return false;
            }

            var previous = Provider.Applied;
            var previousOrigin = status.Origin;
            var before = _gateway.Current;
            Provider.Apply(version, data);
            if (ReferenceEquals(before, _gateway.Current))
            {
                // The reload (run on this thread) refused it after all: the gateway logged why. Put the last good one back.
                Provider.Restore(previous, previousOrigin);
                Reject(version, [$"`{Provider.Document.SectionName}`: the gateway refused version {version.Version} when applying it; its log says why."]);
                return false;
            }

            // Only now, with the gateway serving it, does the status name it (a poller seeing it finds its routes).
            Provider.Publish(version, SharedConfigurationOrigin.Store, _time.GetUtcNow());
            ConfigurationStoreLog.Applied(_logger, version.Version, version.ChangedBy, version.Change);
            if (DocumentCache.Write(Provider.Options.CacheFile, version) is { } problem)
            {
                ConfigurationStoreLog.CacheNotWritten(_logger, problem);
            }

            return true;
        }
    }

    private void Reject(ConfigurationVersion version, IReadOnlyList<string> errors)
    {
        foreach (var error in errors)
        {
            ConfigurationStoreLog.Rejected(_logger, version.Version, error);
        }

        var at = _time.GetUtcNow();
        Provider.SetStatus(s => s with { LastRejected = new SharedConfigurationRejection(version.Version, errors, at, version.Document) });
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            // Registered as itself and as a hosted service: the container disposes it twice.
            return;
        }

        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
        _wake.Dispose();
    }
}
