using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Hosting.Logging;

/// <summary>
/// One JSON object per line, for log collectors: time, level, instance, category, message, the
/// trace and span IDs of the current activity, the message's structured fields under
/// <c>state</c> and the scopes' under <c>scopes</c>, and the exception.
/// </summary>
/// <remarks>
/// The console logger formats on the logging thread before queueing the line, so
/// <see cref="Activity.Current"/> here is the caller's.
/// </remarks>
public sealed class JsonLineFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "cluster-json";

    // Log lines are read by collectors and people, never embedded in HTML: no \u escapes of '+' or '<'.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IDisposable? _reload;
    private ClusterConsoleFormatterOptions _options;

    public JsonLineFormatter(IOptionsMonitor<ClusterConsoleFormatterOptions> options) : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(changed => _options = changed);
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is null && message is null)
            return;
        var options = _options;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("instance", options.Instance);
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
                json.WriteNumber("event_id", logEntry.EventId.Id);
            json.WriteString("message", message);
            if (Activity.Current is { } activity)
            {
                json.WriteString("trace_id", activity.TraceId.ToHexString());
                json.WriteString("span_id", activity.SpanId.ToHexString());
            }
            if (logEntry.Exception is { } exception)
                json.WriteString("exception", exception.ToString());
            if (logEntry.State is IReadOnlyCollection<KeyValuePair<string, object?>> { Count: > 1 } state)
            {
                json.WriteStartObject("state");
                foreach (var (key, value) in state)
                    if (key != "{OriginalFormat}")
                        WriteValue(json, key, value);
                json.WriteEndObject();
            }
            if (options.IncludeScopes && scopeProvider is not null)
                WriteScopes(json, scopeProvider);
            json.WriteEndObject();
        }
        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write(Environment.NewLine);
    }

    private static void WriteScopes(Utf8JsonWriter json, IExternalScopeProvider scopeProvider)
    {
        var started = false;
        scopeProvider.ForEachScope((scope, writer) =>
        {
            if (!started)
            {
                writer.WriteStartObject("scopes");
                started = true;
            }
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                    if (key != "{OriginalFormat}")
                        WriteValue(writer, key, value);
            }
            else if (scope is not null)
            {
                writer.WriteString("scope", scope.ToString());
            }
        }, json);
        if (started)
            json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                json.WriteNumber(key, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case string s:
                json.WriteString(key, s);
                break;
            case System.Collections.IEnumerable items:
                json.WriteStartArray(key);
                foreach (var item in items)
                    json.WriteStringValue(Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture));
                json.WriteEndArray();
                break;
            default:
                json.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    public void Dispose() => _reload?.Dispose();
}
