using Microsoft.Extensions.Configuration;

namespace EdgeKit.AspNetCore.Migration;

internal static class OcelotConfigurationImporter
{
    public static ImportedConfiguration Import(IConfiguration configuration) => new();
}
