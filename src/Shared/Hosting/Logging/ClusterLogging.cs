using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Cluster.Shared.Hosting.Logging;

/// <summary>
/// Console logging for every process: one JSON object per line when standard output is not a
/// terminal (a service manager, a container, a pipe to a collector), a readable line otherwise;
/// either way each line names the instance and, inside a request or span, its trace and span.
/// <c>Cluster:Telemetry:LogFormat</c> (<c>json</c>, <c>text</c>; default <c>auto</c>) overrides the choice.
/// </summary>
public static class ClusterLogging
{
    public const string FormatKey = "Cluster:Telemetry:LogFormat";

    public static ILoggingBuilder AddClusterConsole(this ILoggingBuilder logging, IConfiguration configuration, string instance)
    {
        var json = configuration[FormatKey]?.ToLowerInvariant() switch
        {
            null or "" or "auto" => Console.IsOutputRedirected,
            "json" => true,
            "text" => false,
            var other => throw new ArgumentException($"{FormatKey} must be json, text or auto, not '{other}'."),
        };
        logging.AddConsole(o => o.FormatterName = json ? JsonLineFormatter.FormatterName : TerminalLineFormatter.FormatterName);
        logging.AddConsoleFormatter<JsonLineFormatter, ClusterConsoleFormatterOptions>(o =>
        {
            o.Instance = instance;
            o.IncludeScopes = true;
        });
        logging.AddConsoleFormatter<TerminalLineFormatter, ClusterConsoleFormatterOptions>();
        return logging;
    }
}
