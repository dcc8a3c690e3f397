namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// A test class with one real homeserver of its own, started before its tests and stopped after
/// them (startup costs about a second, so not one per test; against a cluster, fixtures with the same
/// settings share one, see <see cref="SharedClusters"/>). Override <see cref="Settings"/> for
/// extra configuration and <see cref="OnStartedAsync"/> to register users or create rooms once.
/// </summary>
public abstract class HomeserverFixture
{
    protected Homeserver Server { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    [OneTimeSetUp]
    public async Task StartHomeserver()
    {
        Server = Homeserver.IsCluster ? await SharedClusters.GetAsync(Settings) : await Homeserver.StartAsync(Settings);
        await OnStartedAsync();
    }

    [OneTimeTearDown]
    public async Task StopHomeserver()
    {
        if (!Homeserver.IsCluster)
            await Server.DisposeAsync();
    }
}
