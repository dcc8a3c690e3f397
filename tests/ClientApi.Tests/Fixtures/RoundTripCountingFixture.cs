namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// A test class with a single-process homeserver of its own whose PostgreSQL round trips are
/// counted per request (<see cref="DatabaseRoundTrips"/>). Skipped against a cluster, whose
/// processes the counter cannot see.
/// </summary>
public abstract class RoundTripCountingFixture
{
    protected DatabaseRoundTrips RoundTrips { get; } = new();

    protected Homeserver Server { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartCountedServer() => Server = await Homeserver.StartAsync(services: RoundTrips.AddTo);

    [OneTimeTearDown]
    public async Task StopCountedServer()
    {
        // Null when the fixture was skipped (against a cluster).
        if (Server is not null)
            await Server.DisposeAsync();
        RoundTrips.Dispose();
    }
}
