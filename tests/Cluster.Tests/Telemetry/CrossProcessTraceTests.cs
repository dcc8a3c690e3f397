using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClusterTests.Telemetry;

/// <summary>
/// One trace follows a message through the cluster: the client's <c>traceparent</c> reaches the
/// router, the event creator, the persister that owns the room and the sync reader that delivers
/// the message, and each of them exports its spans of that trace over OTLP to one collector.
/// </summary>
[NonParallelizable]
public sealed class CrossProcessTraceTests
{
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(30);
    private OtlpCollector _collector = null!;
    private LocalCluster Cluster { get; set; } = null!;

    // The collector first: every process is told where it listens.
    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _collector = await OtlpCollector.StartAsync();
        Cluster = await ClusterFixture.StartAsync(nameof(CrossProcessTraceTests), new LocalClusterOptions
        {
            Instances = LocalClusterOptions.Standard(persisters: 2, syncReaders: 1).Instances,
            WithRouter = true,
        }, new Dictionary<string, string>
        {
            ["Cluster:Telemetry:OtlpEndpoint"] = $"{_collector.Url}v1/traces",
            ["Cluster:Telemetry:OtlpProtocol"] = "http/protobuf",
            // The exporter's batch delay: seconds by default, which would only slow the test.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
    }

    [TearDown]
    public void PrintOutputOnFailure() => ClusterFixture.PrintOutputOnFailure(Cluster);

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await ClusterFixture.StopAsync(nameof(CrossProcessTraceTests), Cluster);
        await _collector.DisposeAsync();
    }

    [Test]
    public async Task A_message_is_one_trace_from_the_router_through_creator_and_persister_to_the_delivering_sync_reader()
    {
        var alice = await RegisterThroughRouterAsync();
        var bob = await RegisterThroughRouterAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        (await bob.PostAsync($"/_matrix/client/v3/rooms/{roomId}/join", new JsonObject())).Ok();
        var since = (await bob.GetAsync("/_matrix/client/v3/sync?timeout=0")).Ok()["next_batch"]!.GetValue<string>();
        var owner = Cluster.Topology.PersisterOf(roomId).Name;

        var traceId = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var polling = bob.GetAsync($"/_matrix/client/v3/sync?timeout=30000&since={Uri.EscapeDataString(since)}");
        await Task.Delay(300);
        using var send = new HttpRequestMessage(HttpMethod.Put,
            $"/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{Guid.NewGuid():N}")
        {
            Content = new StringContent("""{"msgtype":"m.text","body":"traced"}""", Encoding.UTF8, "application/json"),
        };
        send.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alice.AccessToken);
        send.Headers.Add("traceparent", $"00-{traceId}-{RandomNumberGenerator.GetHexString(16, lowercase: true)}-01");
        using (var sent = await alice.Http.SendAsync(send))
            Assert.That(sent.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var delivered = (await polling).Ok();
        Assert.That(delivered["rooms"]!["join"]![roomId]!["timeline"]!["events"]!.AsArray()
            .Any(e => e!["content"]!["body"]?.GetValue<string>() == "traced"), Is.True, "bob's sync delivered the message");

        var expected = new[] { "router", "event-creator-1", owner, "sync-reader-1" };
        var seen = await _collector.WaitForInstancesAsync(Convert.FromHexString(traceId), expected, ExportWait);
        Assert.That(seen, Is.SupersetOf(expected), $"instances that exported spans of trace {traceId}");
    }

    private async Task<MatrixTestClient> RegisterThroughRouterAsync()
    {
        using var anonymous = new MatrixTestClient(new HttpClient { BaseAddress = Cluster.RouterUri }, null);
        var registered = (await anonymous.PostAsync("/_matrix/client/v3/register", new JsonObject
        {
            ["username"] = "u" + RandomNumberGenerator.GetHexString(10, lowercase: true),
            ["password"] = "pw-" + RandomNumberGenerator.GetHexString(16, lowercase: true),
            ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
        })).Ok();
        return new MatrixTestClient(new HttpClient { BaseAddress = Cluster.RouterUri, Timeout = TimeSpan.FromSeconds(60) },
            registered["access_token"]!.GetValue<string>());
    }

    /// <summary>
    /// An OTLP/HTTP endpoint that keeps every export request as bytes. Each request comes from
    /// one process, whose instance name is its resource's <c>service.instance.id</c>, and a span's
    /// trace ID is stored as its 16 raw bytes, so "this process exported a span of that trace"
    /// is a byte search.
    /// </summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<byte[]> _exports = new();

        private OtlpCollector(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var collector = new OtlpCollector(app);
            app.MapPost("/v1/traces", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                collector._exports.Enqueue(body.ToArray());
                return Results.Ok();
            });
            await app.StartAsync();
            collector.Url = new Uri(app.Urls.First().TrimEnd('/') + "/");
            return collector;
        }

        public async Task<IReadOnlySet<string>> WaitForInstancesAsync(byte[] traceId, IReadOnlyCollection<string> instances, TimeSpan limit)
        {
            var deadline = DateTime.UtcNow + limit;
            while (true)
            {
                var seen = _exports.Where(e => e.AsSpan().IndexOf(traceId) >= 0)
                    .Select(InstanceOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
                if (seen.IsSupersetOf(instances) || DateTime.UtcNow > deadline)
                    return seen;
                await Task.Delay(200);
            }
        }

        // The resource attribute KeyValue { key = "service.instance.id", value = AnyValue { string_value } }:
        // the key's bytes, then tag 0x12 + length, tag 0x0A + length, the name (short: one-byte lengths).
        private static string? InstanceOf(byte[] export)
        {
            var key = "service.instance.id"u8;
            var at = export.AsSpan().IndexOf(key);
            if (at < 0)
                return null;
            var value = at + key.Length;
            if (value + 4 > export.Length || export[value] != 0x12 || export[value + 2] != 0x0A)
                return null;
            int length = export[value + 3];
            return value + 4 + length <= export.Length ? Encoding.UTF8.GetString(export, value + 4, length) : null;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
