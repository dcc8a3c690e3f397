using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cluster.ClusterTests.Fixtures;

/// <summary>One running instance of a <see cref="LocalCluster"/>: a real dotnet process and what it printed.</summary>
internal sealed class ClusterProcess
{
    private const int KeptLines = 4000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private ClusterProcess(Process process, ConcurrentQueue<string> output)
    {
        _process = process;
        _output = output;
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public static ClusterProcess Start(
        string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, ConcurrentQueue<string> output)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, dll), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        // Nothing of the test runner's own settings may leak into the cluster's processes.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Cluster__", StringComparison.Ordinal)
            || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        var started = new ClusterProcess(process, output);
        process.OutputDataReceived += (_, e) => started.Record(e.Data);
        process.ErrorDataReceived += (_, e) => started.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>SIGTERM, as an operator stops a process; SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]) { UseShellExecute = false });
            if (term is not null)
                await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Record($"[LocalCluster] no exit {grace.TotalSeconds} s after SIGTERM: SIGKILL");
            }
        }
        await KillAsync();
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > KeptLines)
            _output.TryDequeue(out _);
    }
}
