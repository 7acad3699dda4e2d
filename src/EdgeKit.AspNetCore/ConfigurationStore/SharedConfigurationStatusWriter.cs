using System.Text.Json;

namespace EdgeKit.AspNetCore.ConfigurationStore;

/// <summary>The status API's <c>configuration</c> object: which shared version an instance serves and what it refused.</summary>
internal static class SharedConfigurationStatusWriter
{
    public static void Write(Utf8JsonWriter writer, SharedConfigurationStatus status)
    {
        writer.WriteStartObject("configuration");
        writer.WriteString("source", status.Origin switch
        {
            SharedConfigurationOrigin.Store => "store",
            SharedConfigurationOrigin.Cache => "cache",
            _ => "file",
        });
        if (status.AppliedVersion is { } version)
        {
            writer.WriteNumber("appliedVersion", version);
        }
        else
        {
            writer.WriteNull("appliedVersion");
        }

        if (status.AppliedAt is { } at)
        {
            writer.WriteString("appliedAt", at);
        }
        else
        {
            writer.WriteNull("appliedAt");
        }

        writer.WriteBoolean("storeReachable", status.StoreReachable);
        writer.WriteString("storeError", status.StoreError);
        if (status.LastRejected is { } rejected)
        {
            writer.WriteStartObject("lastApplyError");
            writer.WriteNumber("version", rejected.Version);
            writer.WriteString("at", rejected.At);
            writer.WriteStartArray("errors");
            foreach (var error in rejected.Errors)
            {
                writer.WriteStringValue(error);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("lastApplyError");
        }

        writer.WriteEndObject();
    }
}
