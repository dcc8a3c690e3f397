using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cluster.Replication.Tests.Streams.Support;

/// <summary>A redis-server of the test's own, so stopping it disturbs no other test.</summary>
public sealed class PrivateRedisServer : IAsyncDisposable
{
    private readonly int _port;
    private readonly string _directory;
    private Process? _process;

    private PrivateRedisServer(int port, string directory)
    {
        _port = port;
        _directory = directory;
    }

    public string Configuration => $"127.0.0.1:{_port}";

    public static async Task<PrivateRedisServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var redis = new PrivateRedisServer(port, Directory.CreateTempSubdirectory("private-redis-").FullName);
        await redis.RunAsync();
        return redis;
    }

    public async Task RunAsync()
    {
        if (_process is not null)
            throw new InvalidOperationException("redis-server is already running");
        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("could not start redis-server");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on {_port}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
