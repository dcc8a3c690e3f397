using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.RoomVersions;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A test class with one federating server A of its own (sender back-off shortened, see
/// <see cref="SenderSettings.Short"/>) and Alice, a user of A, whose tests watch what A's federation
/// sender sends to stand-in remote servers that record it. The remotes live until the class is done.
/// </summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public abstract class RecordingRemotesFixture
{
    /// <summary>How long a test waits for A's sender to deliver.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<RecordingRemoteServer> _remotes = [];

    protected Homeserver A { get; private set; } = null!;
    protected TestUser Alice { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        A = await FederatedServers.StartAsync(SenderSettings.Short);
        Alice = await A.RegisterUserAsync();
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        foreach (var remote in _remotes)
            await remote.DisposeAsync();
        if (A is not null)
            await A.DisposeAsync();
    }

    /// <summary>A new stand-in remote that accepts what it is sent until the test says otherwise.</summary>
    protected async Task<RecordingRemoteServer> RemoteAsync()
    {
        var remote = await RecordingRemoteServer.StartAsync(RoomVersions.Default);
        _remotes.Add(remote);
        return remote;
    }

    /// <summary>A public room of Alice's that a user of each remote (<c>@bob</c>) joined, in the given order.</summary>
    protected async Task<string> RoomWithAsync(params RecordingRemoteServer[] remotes)
    {
        var roomId = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        foreach (var remote in remotes)
            await RemoteMembers.JoinAsync(A, roomId, $"@bob:{remote.ServerName}", remote.ServerName);
        return roomId;
    }
}
