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
    public async Task StartCluster()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        Cluster = await LocalCluster.StartAsync(Options, Settings);
        TestContext.Progress.WriteLine($"{GetType().Name}: cluster of {Cluster.Topology.Instances.Count} started in {started.Elapsed.TotalSeconds:F1} s");
    }

    [TearDown]
    public void PrintOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != TestStatus.Failed || Cluster is null)
            return;
        foreach (var instance in Cluster.Topology.Instances)
            TestContext.Out.WriteLine($"===== {instance.Name}\n{string.Join('\n', Cluster.Output(instance.Name).Split('\n').TakeLast(40))}");
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        if (Cluster is not null)
        {
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await Cluster.DisposeAsync();
            TestContext.Progress.WriteLine($"{GetType().Name}: cluster stopped in {stopping.Elapsed.TotalSeconds:F1} s");
        }
    }
}
