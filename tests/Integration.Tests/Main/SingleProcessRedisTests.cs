using Cluster.Integration.Tests.Fixtures;
using Cluster.Integration.Tests.Storage;

namespace Cluster.Integration.Tests.Main;

/// <summary>
/// One process replicates in memory: a Redis address in its settings (deploy/run exports one for
/// every shape) is not a service it waits for, connects to or keeps threads for.
/// </summary>
[NonParallelizable]
public class SingleProcessRedisTests
{
    [Test]
    public async Task A_single_process_starts_while_the_configured_Redis_is_unreachable()
    {
        await using var database = await TestDatabase.CreateAsync();
        // Nothing listens on port 1: a Redis check would retry for a minute and then stop the start.
        await using var main = ClusterProcess.StartMain(database.ConnectionString,
            new Dictionary<string, string> { ["Cluster__Redis"] = "127.0.0.1:1" });

        Assert.That(await main.AnswersWithinAsync("/health", TimeSpan.FromSeconds(40)), Is.True, main.Output);
    }
}
