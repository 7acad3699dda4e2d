using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeKit.AspNetCore.Authorization;

/// <summary>Builds EdgeKit's policies when the host starts, so that invalid ones, or ones naming an unknown authentication scheme, stop the start with every problem listed.</summary>
internal sealed class AuthorizationStartupCheck(IServiceProvider services, IOptionsMonitor<EdgeKitAuthorizationOptions> options, IAuthenticationSchemeProvider schemes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetService(typeof(EdgeKitPolicyTable)); // throws OptionsValidationException when a policy is invalid
        var errors = new List<string>();
        var current = options.CurrentValue;
        var named = (current.DefaultAuthenticationSchemes ?? []).Select(s => ("DefaultAuthenticationSchemes", s))
            .Concat((current.Policies ?? new Dictionary<string, EdgeKitAuthorizationPolicyOptions>())
                .SelectMany(p => (p.Value?.AuthenticationSchemes ?? []).Select(s => ($"Policies:{p.Key}:AuthenticationSchemes", s))));
        foreach (var (path, scheme) in named)
        {
            if (!string.IsNullOrWhiteSpace(scheme) && await schemes.GetSchemeAsync(scheme).ConfigureAwait(false) is null)
            {
                errors.Add($"EdgeKit:Authorization:{path}: no authentication scheme is named '{scheme}'.");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EdgeKitAuthorizationOptions), errors);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
