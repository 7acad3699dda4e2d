using System.Diagnostics.CodeAnalysis;
using EdgeKit.Aggregation;
using EdgeKit.AspNetCore.Configuration;
using EdgeKit.AspNetCore.Gateway;
using EdgeKit.AspNetCore.RateLimiting;
using EdgeKit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>
/// The dry run: every problem a document would cause on this instance, found by the checks a reload runs (strict
/// binding with its paths, the options validators, the gateway's route, cluster and policy-name checks), against a
/// candidate view of the app's configuration in which the document replaces the applied one. Nothing is applied and
/// nothing is logged.
/// </summary>
internal sealed class SharedDocumentValidator(
    IServiceProvider services,
    SharedConfigurationSource source,
    GatewayConfiguration gateway,
    ConfigurationCheck? check = null)
{
    /// <summary>Every problem of <paramref name="document"/>; empty when this instance would apply it.</summary>
    public List<string> Validate(string document)
    {
        var errors = new List<string>();
        var provider = source.Provider;
        if (provider.Document.Flatten(document, errors) is not { } data)
        {
            return errors;
        }

        // Disposing it disposes no live provider: they are wrapped, and the candidate provider holds only the document.
        using var root = CandidateRoot(provider, data);
        IConfiguration Rebase(IConfiguration live) => live is IConfigurationSection section ? root.GetSection(section.Path) : root;
        var candidate = check?.ForCandidate(Rebase);
        if (candidate is not null)
        {
            errors.AddRange(candidate.Check());
            if (errors.Count > 0)
            {
                // Binding would fail with the same problems.
                return errors;
            }
        }

        errors.AddRange(gateway.Validate(
            Factory<GatewayOptions>(candidate),
            Factory<EdgeKitOptions>(candidate),
            services.GetService<IOptionsFactory<AggregationOptions>>() is null ? null : Factory<AggregationOptions>(candidate)));
        if (services.GetServices<IConfigureOptions<EdgeKitRateLimitingOptions>>().Any())
        {
            try
            {
                Factory<EdgeKitRateLimitingOptions>(candidate).Create(Microsoft.Extensions.Options.Options.DefaultName);
            }
            catch (OptionsValidationException ex)
            {
                errors.AddRange(ex.Failures);
            }
        }

        return errors.Distinct(StringComparer.Ordinal).ToList();
    }

    private ConfigurationRoot CandidateRoot(SharedConfigurationProvider provider, Dictionary<string, string?> data)
    {
        var live = services.GetRequiredService<IConfiguration>() as IConfigurationRoot
            ?? throw new InvalidOperationException("The app's IConfiguration is not a configuration root; the configuration store needs the app's own configuration (builder.Configuration).");
        var providers = live.Providers.ToList();
        if (!providers.Contains(provider))
        {
            throw new InvalidOperationException("The configuration store was added to another configuration than the app's IConfiguration: call AddConfigurationStore with builder.Configuration.");
        }

        return new ConfigurationRoot(providers
            .Select(p => ReferenceEquals(p, provider) ? provider.WithCandidate(data) : (IConfigurationProvider)new FrozenConfigurationProvider(p))
            .ToList());
    }

    /// <summary>The app's options setup for <typeparamref name="TOptions"/>, with what configuration binds read from the candidate.</summary>
    private IOptionsFactory<TOptions> Factory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(ConfigurationCheck? candidate)
        where TOptions : class =>
        candidate?.CreateOptionsFactory<TOptions>(services)
            ?? new OptionsFactory<TOptions>(services.GetServices<IConfigureOptions<TOptions>>(), services.GetServices<IPostConfigureOptions<TOptions>>(), services.GetServices<IValidateOptions<TOptions>>());
}
