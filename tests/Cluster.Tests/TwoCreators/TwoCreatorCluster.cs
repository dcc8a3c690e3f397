using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClusterTests.Fixtures;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.ClusterTests.TwoCreators;

/// <summary>
/// One cluster for the test classes of this namespace, with roles sharing processes: Main; event
/// persister 1 with an event creator beside it (<see cref="CoHostedCreator"/>), so rooms of its
/// shard are persisted in process and the others over internal HTTP; event persister 2; event
/// creator 1 alone; and one process for the client reader, sync reader and stream writer roles.
/// Its tests kill and restart persister 2; the class that does leaves it running.
/// </summary>
[SetUpFixture]
public sealed class TwoCreatorCluster
{
    public const string Readers = "readers-1";
    public const string CoHostedCreator = "event-persister-1";
    public const string Creator = "event-creator-1";

    private static LocalCluster? _cluster;

    public static LocalCluster Instance => _cluster ?? throw new InvalidOperationException("The two-creator cluster is not started.");

    [OneTimeSetUp]
    public async Task Start() => _cluster = await ClusterFixture.StartAsync(nameof(TwoCreatorCluster), new LocalClusterOptions
    {
        Instances =
        [
            new(CoHostedCreator, [Roles.EventPersister, Roles.EventCreator]),
            new("event-persister-2", [Roles.EventPersister]),
            new(Creator, [Roles.EventCreator]),
            new(Readers, [Roles.ClientReader, Roles.SyncReader, Roles.StreamWriter]),
        ],
    }, null);

    [OneTimeTearDown]
    public async Task Stop() => await ClusterFixture.StopAsync(nameof(TwoCreatorCluster), _cluster);
}

/// <summary>A test class on the <see cref="TwoCreatorCluster"/>.</summary>
public abstract class TwoCreatorClusterTest
{
    protected static LocalCluster Cluster => TwoCreatorCluster.Instance;

    [TearDown]
    public void PrintOutputOnFailure() => ClusterFixture.PrintOutputOnFailure(Cluster);

    protected static Task<ClusterUser> RegisterUserAsync() => Cluster.RegisterUserAsync(TwoCreatorCluster.Readers);

    protected static string Owner(string room) => Cluster.Topology.PersisterOf(room).Name;

    /// <summary>Creates rooms until one falls in <paramref name="persister"/>'s shard (even odds each time).</summary>
    protected static async Task<string> CreateRoomOwnedByAsync(MatrixTestClient creator, string persister)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var room = await creator.CreateRoomAsync();
            if (Owner(room) == persister)
                return room;
        }
        Assert.Fail($"40 rooms and none in {persister}'s shard");
        throw new InvalidOperationException("unreachable");
    }
}
