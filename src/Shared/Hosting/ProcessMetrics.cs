using System.Diagnostics.Metrics;

namespace Cluster.Shared.Hosting;

/// <summary>
/// The process's CPU time and memory, read when metrics are collected (a scrape), never per
/// request: <see cref="Environment.CpuUsage"/> and <see cref="Environment.WorkingSet"/> are
/// single system calls, without the cost of a <c>Process</c> snapshot.
/// </summary>
internal static class ProcessMetrics
{
    private static int _created;

    /// <summary>Creates the instruments once per process (several hosts may share one in tests).</summary>
    public static void EnsureCreated()
    {
        if (Interlocked.Exchange(ref _created, 1) != 0)
            return;
        ClusterDiagnostics.Meter.CreateObservableCounter("process.cpu.time", () =>
        {
            var usage = Environment.CpuUsage;
            return new[]
            {
                new Measurement<double>(usage.UserTime.TotalSeconds, new KeyValuePair<string, object?>("cpu.mode", "user")),
                new Measurement<double>(usage.PrivilegedTime.TotalSeconds, new KeyValuePair<string, object?>("cpu.mode", "system")),
            };
        }, "s", "CPU time this process has used, by mode.");
        ClusterDiagnostics.Meter.CreateObservableUpDownCounter("process.memory.usage", () => Environment.WorkingSet,
            "By", "The process's resident memory (working set).");
        ClusterDiagnostics.Meter.CreateObservableGauge("process.cpu.count", () => Environment.ProcessorCount,
            "{cpu}", "Processors available to the process, to read CPU time as a share of the machine.");
    }
}
