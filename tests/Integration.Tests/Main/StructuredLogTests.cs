using System.Diagnostics;
using System.Text.Json;
using Cluster.Integration.Tests.Fixtures;
using Cluster.Integration.Tests.Storage;

namespace Cluster.Integration.Tests.Main;

/// <summary>
/// What Main prints, read from its standard output as a log collector would: JSON lines when
/// the output is a pipe, readable lines when told so, and either way the instance and, inside
/// a request, the caller's trace on every line.
/// </summary>
[NonParallelizable]
public class StructuredLogTests
{
    // Request lines (Microsoft.AspNetCore.Hosting.Diagnostics) are logged inside the request's activity.
    private static readonly Dictionary<string, string> RequestLogging = new()
    {
        ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
    };

    private readonly List<IAsyncDisposable> _cleanup = [];
    private ClusterProcess _json = null!;
    private ClusterProcess _text = null!;

    // Two Mains (each on a database of its own), started together: one on a pipe as a service
    // manager would run it, one told to write text.
    [OneTimeSetUp]
    public async Task StartMains()
    {
        var json = StartMainAsync(RequestLogging);
        var text = StartMainAsync(new Dictionary<string, string>(RequestLogging) { ["Cluster__Telemetry__LogFormat"] = "text" });
        (_json, _text) = (await json, await text);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i].DisposeAsync();
        _cleanup.Clear();
    }

    private async Task<ClusterProcess> StartMainAsync(Dictionary<string, string> environment)
    {
        var database = await TestDatabase.CreateAsync();
        _cleanup.Add(database);
        var main = ClusterProcess.StartMain(database.ConnectionString, environment);
        _cleanup.Add(main);
        Assert.That(await main.AnswersWithinAsync("/health", TimeSpan.FromSeconds(60)), Is.True, main.Output);
        return main;
    }

    /// <summary>Sends a request as part of a trace of ours, and waits until its log lines are out.</summary>
    private static async Task<ActivityTraceId> TracedRequestAsync(ClusterProcess main)
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/versions");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using (await main.Http.SendAsync(request)) { }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!main.Output.Contains(traceId.ToHexString(), StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return traceId;
    }

    private static List<string> Lines(ClusterProcess main) =>
        [.. main.Output.Split('\n').Where(line => !string.IsNullOrWhiteSpace(line))];

    [Test]
    public async Task Piped_output_is_one_JSON_object_per_line_naming_the_instance()
    {
        await TracedRequestAsync(_json);

        var lines = Lines(_json);
        Assert.That(lines, Is.Not.Empty);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.That(json.RootElement.GetProperty("instance").GetString(), Is.EqualTo("main"), line);
            Assert.That(json.RootElement.GetProperty("level").GetString(), Is.Not.Empty, line);
            Assert.That(json.RootElement.GetProperty("message").GetString(), Is.Not.Null, line);
        }
    }

    [Test]
    public async Task A_request_logs_with_the_callers_trace_id_and_its_own_span_id()
    {
        var traceId = await TracedRequestAsync(_json);

        var traced = Lines(_json).Select(line => JsonDocument.Parse(line).RootElement)
            .Where(json => json.TryGetProperty("trace_id", out var id) && id.GetString() == traceId.ToHexString())
            .ToList();

        Assert.That(traced, Is.Not.Empty, "lines of the request carry its trace");
        Assert.That(traced.Select(json => json.GetProperty("span_id").GetString()), Has.All.Match("^[0-9a-f]{16}$"));
        Assert.That(traced.Select(json => json.GetProperty("category").GetString()), Has.Some.EqualTo("Microsoft.AspNetCore.Hosting.Diagnostics"));
    }

    [Test]
    public async Task Text_format_lines_name_the_instance_and_the_trace()
    {
        var traceId = await TracedRequestAsync(_text);

        var lines = Lines(_text);
        Assert.That(lines.Where(line => line.StartsWith('{')), Is.Empty, "no JSON");
        Assert.That(lines.Where(line => line.Contains(" main Cluster.Main", StringComparison.Ordinal)), Is.Not.Empty);
        Assert.That(lines.Where(line => line.Contains($"[{traceId.ToHexString()}/", StringComparison.Ordinal)), Is.Not.Empty);
    }
}
