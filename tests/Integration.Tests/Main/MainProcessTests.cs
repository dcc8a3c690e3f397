using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Cluster.Integration.Tests.Fixtures;

namespace Cluster.Integration.Tests.Main;

/// <summary>Starts the real Main process against the fixtures and talks HTTP to it.</summary>
[NonParallelizable]
public class MainProcessTests
{
    private Process? _main;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartMain()
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Cluster.Main.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--port", port.ToString(), "--instance", "main"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Cluster__Postgres"] = BackingServices.Postgres;
        start.Environment["Cluster__Redis"] = BackingServices.Redis;
        _main = Process.Start(start)!;
        _main.OutputDataReceived += (_, _) => { };
        _main.ErrorDataReceived += (_, _) => { };
        _main.BeginOutputReadLine();
        _main.BeginErrorReadLine();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.That(_main.HasExited, Is.False, "Main exited during start");
            try
            {
                using var response = await _http.GetAsync("/_matrix/client/versions");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            // Listening but not answering within the client's timeout yet (a busy machine); 30 s,
            // since the first request to each endpoint compiles it, which a loaded machine makes slow.
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        Assert.Fail("Main did not answer within 60 s");
    }

    [OneTimeTearDown]
    public async Task StopMain()
    {
        _http.Dispose();
        if (_main is { HasExited: false })
        {
            _main.Kill(entireProcessTree: true);
            await _main.WaitForExitAsync();
        }
        _main?.Dispose();
    }

    [Test]
    public async Task VersionsListsSpecVersions()
    {
        using var response = await _http.GetAsync("/_matrix/client/versions");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var versions = body.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.That(versions, Does.Contain("v1.1"));
        Assert.That(body.RootElement.GetProperty("unstable_features").ValueKind, Is.EqualTo(JsonValueKind.Object));
    }

    [Test]
    public async Task UnknownEndpointIsM_UNRECOGNIZEDWith404()
    {
        using var response = await _http.GetAsync("/_matrix/client/v3/not_an_endpoint");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(body.RootElement.GetProperty("errcode").GetString(), Is.EqualTo("M_UNRECOGNIZED"));
    }

    [Test]
    public async Task KnownPathWithWrongMethodIsM_UNRECOGNIZEDWith405()
    {
        using var response = await _http.PostAsync("/_matrix/client/versions", new StringContent("{}"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(body.RootElement.GetProperty("errcode").GetString(), Is.EqualTo("M_UNRECOGNIZED"));
    }

    [Test]
    public async Task MetricsEndpointExposesRequestDurationsForPrometheus()
    {
        using (await _http.GetAsync("/_matrix/client/versions")) { }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string text;
        do
        {
            text = await _http.GetStringAsync("/metrics");
            if (text.Contains("http_server_request_duration_seconds")) break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.That(text, Does.Contain("http_server_request_duration_seconds"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
