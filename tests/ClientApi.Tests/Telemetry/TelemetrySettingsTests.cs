using System.Net;
using System.Net.Sockets;
using Cluster.ClientApi.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Cluster.ClientApi.Tests.Telemetry;

/// <summary><c>Cluster:Telemetry</c>: where traces go, and what a wrong value does.</summary>
public class TelemetrySettingsTests
{
    [Test]
    public async Task Without_an_endpoint_no_tracer_records_anything()
    {
        if (Homeserver.IsCluster)
            throw Homeserver.SkipAgainstCluster("observes the single process's in-memory services");
        await using var server = await Homeserver.StartAsync();

        Assert.That(server.Services.GetService<TracerProvider>(), Is.Null);
    }

    [Test]
    public async Task Traces_go_to_the_configured_OTLP_endpoint()
    {
        // A stand-in collector: answers every export, and records the first one's path and content type.
        var port = FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new TaskCompletionSource<(string Path, string? ContentType, long Length)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = CollectAsync(collector, received);

        var server = await Homeserver.StartAsync(new Dictionary<string, string>
        {
            ["Cluster:Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port}/v1/traces",
            ["Cluster:Telemetry:OtlpProtocol"] = "http/protobuf",
        });
        (string Path, string? ContentType, long Length) export;
        try
        {
            using (var client = server.NewClient())
                await client.GetAsync("/_matrix/client/versions");
            // The exporter sends its batch every few seconds (and when the process stops).
            export = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await server.DisposeAsync();
        }

        var (path, contentType, length) = export;
        Assert.That(path, Is.EqualTo("/v1/traces"));
        Assert.That(contentType, Is.EqualTo("application/x-protobuf"));
        Assert.That(length, Is.GreaterThan(0));
    }

    [TestCase("Cluster:Telemetry:SampleRatio", "2", TestName = "A_sample_ratio_above_one_stops_the_start")]
    [TestCase("Cluster:Telemetry:OtlpEndpoint", "not a url", TestName = "An_endpoint_that_is_not_a_URL_stops_the_start")]
    [TestCase("Cluster:Telemetry:OtlpProtocol", "carrier-pigeon", TestName = "An_unknown_protocol_stops_the_start")]
    [TestCase("Cluster:Telemetry:LogFormat", "xml", TestName = "An_unknown_log_format_stops_the_start")]
    public void A_wrong_setting_stops_the_start_naming_it(string key, string value)
    {
        if (Homeserver.IsCluster)
            throw Homeserver.SkipAgainstCluster("reads the failed start's exception in this process");
        var e = Assert.ThrowsAsync<ArgumentException>(() => Homeserver.StartAsync(new Dictionary<string, string> { [key] = value }));

        Assert.That(e!.Message, Does.Contain(key));
    }

    private static async Task CollectAsync(HttpListener listener, TaskCompletionSource<(string, string?, long)> first)
    {
        try
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                context.Response.StatusCode = 200;
                context.Response.Close();
                first.TrySetResult((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.Length));
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // The test is over and the listener closed.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
