using System.Diagnostics;
using NUnit.Framework.Interfaces;

namespace Cluster.ClusterTests.Fixtures;

/// <summary>
/// A test class with one <see cref="LocalCluster"/> of its own, started before its tests and
/// stopped after them. A failed test prints the end of every instance's output.
/// </summary>
public abstract class ClusterFixture
{
    protected LocalCluster Cluster { get; private set; } = null!;

    protected virtual LocalClusterOptions Options => LocalClusterOptions.Standard();

    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    [OneTimeSetUp]
    public async Task StartCluster() => Cluster = await StartAsync(GetType().Name, Options, Settings);

    [TearDown]
    public void PrintOutputOnFailure() => PrintOutputOnFailure(Cluster);

    [OneTimeTearDown]
    public async Task StopCluster() => await StopAsync(GetType().Name, Cluster);

    internal static async Task<LocalCluster> StartAsync(string name, LocalClusterOptions options, IReadOnlyDictionary<string, string>? settings)
    {
        var started = Stopwatch.StartNew();
        var cluster = await LocalCluster.StartAsync(options, settings);
        TestContext.Progress.WriteLine($"{name}: {cluster.Topology.Instances.Count} instances started in {started.Elapsed.TotalSeconds:F1} s");
        return cluster;
    }

    internal static async Task StopAsync(string name, LocalCluster? cluster)
    {
        if (cluster is null)
            return;
        var stopping = Stopwatch.StartNew();
        await cluster.DisposeAsync();
        TestContext.Progress.WriteLine($"{name}: stopped in {stopping.Elapsed.TotalSeconds:F1} s");
    }

    internal static void PrintOutputOnFailure(LocalCluster? cluster)
    {
        if (cluster is null || TestContext.CurrentContext.Result.Outcome.Status != TestStatus.Failed)
            return;
        foreach (var instance in cluster.Topology.Instances)
            TestContext.Out.WriteLine($"===== {instance.Name}\n{string.Join('\n', cluster.Output(instance.Name).Split('\n').TakeLast(40))}");
    }
}
