using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Hosting.Logging;

/// <summary>
/// One readable line per entry for a person at a terminal:
/// <c>12:00:01.234 info main Category: message [trace/span]</c>, the exception below it.
/// </summary>
public sealed class TerminalLineFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "cluster-terminal";

    private readonly IDisposable? _reload;
    private ClusterConsoleFormatterOptions _options;

    public TerminalLineFormatter(IOptionsMonitor<ClusterConsoleFormatterOptions> options) : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(changed => _options = changed);
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is null && message is null)
            return;
        textWriter.Write(DateTime.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(_options.Instance);
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write(": ");
        textWriter.Write(message);
        if (Activity.Current is { } activity)
        {
            textWriter.Write(" [");
            textWriter.Write(activity.TraceId.ToHexString());
            textWriter.Write('/');
            textWriter.Write(activity.SpanId.ToHexString());
            textWriter.Write(']');
        }
        textWriter.Write(Environment.NewLine);
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(exception.ToString());
            textWriter.Write(Environment.NewLine);
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    public void Dispose() => _reload?.Dispose();
}
