using System.Reflection;
using System.Security.Authentication;
using EdgeKit.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeKit.Gateway;

/// <summary>
/// The keys gateway.json may hold outside the <c>EdgeKit</c> section, for the library's strict check: the host's own
/// section (read from its options types), the part of Kestrel's section the host supports, and <c>Logging:LogLevel</c>.
/// </summary>
internal static class HostSettingsShapes
{
    /// <summary>The top of gateway.json: <c>EdgeKit</c> and <c>Host</c> are checked by their own registrations.</summary>
    // The fields below are set before the lambda runs; the compiler's null analysis of the initializer cannot see it.
    public static readonly SettingsObject Root = new("gateway.json", () =>
    [
        new("EdgeKit", SettingShape.Of(new SettingsObject("EdgeKit", () => []))),
        new(HostSettings.SectionName, SettingShape.Of(Host!)),
        new("Kestrel", SettingShape.Of(Kestrel!)),
        new("Logging", SettingShape.Of(Logging!)),
    ]);

    /// <summary>The <c>Host</c> section: the keys of <see cref="HostSettings"/>.</summary>
    public static readonly SettingsObject Host = ObjectOf(typeof(HostSettings));

    private static readonly string[] s_logLevels = Enum.GetNames<LogLevel>();

    private static readonly SettingsObject Logging = new("Logging", () =>
    [
        new("LogLevel", SettingShape.Dictionary(SettingShape.Enum(s_logLevels))),
    ]);

    private static readonly SettingShape Protocols = SettingShape.Enum(Enum.GetNames<HttpProtocols>(), flags: true);
    private static readonly SettingShape TlsProtocols = SettingShape.Enum(Enum.GetNames<SslProtocols>(), flags: true);
    private static readonly SettingShape ClientCertificate = SettingShape.Enum(Enum.GetNames<ClientCertificateMode>());

    private static readonly SettingsObject Certificate = new("Certificate", () =>
    [
        new("Path", SettingShape.String),
        new("KeyPath", SettingShape.String),
        new("Password", SettingShape.String),
        new("Subject", SettingShape.String),
        new("Store", SettingShape.String),
        new("Location", SettingShape.Enum(["CurrentUser", "LocalMachine"])),
        new("AllowInvalid", SettingShape.Boolean),
    ]);

    private static readonly SettingsObject Sni = new("Sni", () =>
    [
        new("Protocols", Protocols),
        new("SslProtocols", TlsProtocols),
        new("Certificate", SettingShape.Of(Certificate)),
        new("ClientCertificateMode", ClientCertificate),
    ]);

    private static readonly SettingsObject Endpoint = new("Endpoint", () =>
    [
        new("Url", SettingShape.String),
        new("Protocols", Protocols),
        new("SslProtocols", TlsProtocols),
        new("Certificate", SettingShape.Of(Certificate)),
        new("ClientCertificateMode", ClientCertificate),
        new("Sni", SettingShape.Dictionary(SettingShape.Of(Sni))),
    ]);

    private static readonly SettingsObject EndpointDefaults = new("EndpointDefaults", () =>
    [
        new("Protocols", Protocols),
        new("SslProtocols", TlsProtocols),
        new("ClientCertificateMode", ClientCertificate),
    ]);

    private static readonly SettingsObject Http2Limits = new("Http2", () =>
    [
        new("MaxStreamsPerConnection", SettingShape.Int32),
        new("HeaderTableSize", SettingShape.Int32),
        new("MaxFrameSize", SettingShape.Int32),
        new("MaxRequestHeaderFieldSize", SettingShape.Int32),
        new("InitialConnectionWindowSize", SettingShape.Int32),
        new("InitialStreamWindowSize", SettingShape.Int32),
        new("KeepAlivePingDelay", SettingShape.TimeSpan),
        new("KeepAlivePingTimeout", SettingShape.TimeSpan),
    ]);

    private static readonly SettingsObject Limits = new("Limits", () =>
    [
        new("MaxConcurrentConnections", SettingShape.Int64),
        new("MaxConcurrentUpgradedConnections", SettingShape.Int64),
        new("MaxRequestBodySize", SettingShape.Int64),
        new("MaxRequestBufferSize", SettingShape.Int64),
        new("MaxResponseBufferSize", SettingShape.Int64),
        new("MaxRequestHeaderCount", SettingShape.Int32),
        new("MaxRequestHeadersTotalSize", SettingShape.Int32),
        new("MaxRequestLineSize", SettingShape.Int32),
        new("KeepAliveTimeout", SettingShape.TimeSpan),
        new("RequestHeadersTimeout", SettingShape.TimeSpan),
        new("Http2", SettingShape.Of(Http2Limits)),
    ]);

    /// <summary>Kestrel's section as Kestrel reads it (endpoints, certificates, limits), less what the host sets itself.</summary>
    private static readonly SettingsObject Kestrel = new("Kestrel", () =>
    [
        new("Endpoints", SettingShape.Dictionary(SettingShape.Of(Endpoint))),
        new("EndpointDefaults", SettingShape.Of(EndpointDefaults)),
        new("Certificates", SettingShape.Dictionary(SettingShape.Of(Certificate))),
        new("Limits", SettingShape.Of(Limits)),
    ]);

    /// <summary>The keys the configuration binder sets on <paramref name="type"/> (the host's own options types, not trimmed).</summary>
    internal static SettingsObject ObjectOf(Type type) => new(type.Name, () => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0 && p.SetMethod?.IsPublic == true)
        .OrderBy(p => p.MetadataToken)
        .Select(p => new SettingKey(p.Name, ShapeOf(p.PropertyType)))
        .ToArray());

    private static SettingShape ShapeOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return SettingShape.String;
        }

        if (type == typeof(bool))
        {
            return SettingShape.Boolean;
        }

        if (type == typeof(int))
        {
            return SettingShape.Int32;
        }

        if (type == typeof(long))
        {
            return SettingShape.Int64;
        }

        if (type == typeof(double))
        {
            return SettingShape.Double;
        }

        if (type == typeof(TimeSpan))
        {
            return SettingShape.TimeSpan;
        }

        if (type == typeof(Uri))
        {
            return SettingShape.Uri;
        }

        if (type.IsEnum)
        {
            return SettingShape.Enum(Enum.GetNames(type), type.IsDefined(typeof(FlagsAttribute), false));
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string))
        {
            return SettingShape.Dictionary(ShapeOf(type.GetGenericArguments()[1]));
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return SettingShape.List(ShapeOf(type.GetGenericArguments()[0]));
        }

        if (type.IsClass && (type.Namespace == typeof(HostSettings).Namespace || type.Namespace == typeof(EdgeKit.AspNetCore.Tls.EdgeKitTlsOptions).Namespace))
        {
            return SettingShape.Of(ObjectOf(type));
        }

        throw new InvalidOperationException($"{type}: the host's settings shapes do not know this type.");
    }
}
