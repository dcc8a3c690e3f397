using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cluster.Router.Tests.Support;

/// <summary>The real router binary (Cluster.Router.dll from the test's output folder) started on a topology file.</summary>
internal sealed class RouterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private RouterProcess(Process process) => _process = process;

    /// <summary>Everything the router printed so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public static RouterProcess Start(string topologyFile)
    {
        var start = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Cluster.Router.dll"), "--topology", topologyFile, "--Logging:LogLevel:Yarp=Warning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start Cluster.Router.dll");
        var router = new RouterProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) router._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) router._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return router;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
