using System.Text.Json;
using Cluster.ClientApi.Tests.Federation;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.EventPersister;
using Cluster.Workers.Host.Internal;
using Npgsql;

namespace Cluster.ClusterTests.Fixtures;

/// <summary>
/// Puts another server's user into a room of the cluster without a federation join: the join is
/// built and signed as that server would (<see cref="RemoteJoinEvent"/>) and handed to the room's
/// persister over internal HTTP, the way the cluster's event creators hand over events.
/// </summary>
public static class ClusterRemoteMembers
{
    public static async Task<string> JoinAsync(this LocalCluster cluster, string roomId, string userId, string remoteServerName)
    {
        await using var dataSource = NpgsqlDataSource.Create(cluster.DatabaseConnectionString);
        var join = await RemoteJoinEvent.BuildAsync(
            new RoomStore(dataSource), new RoomStateStore(dataSource, new EventStore(dataSource)), roomId, userId, remoteServerName,
            CancellationToken.None);
        var request = new PersistRequest(roomId, join.Version.Id, [new EventToPersist(join.EventId, join.CanonicalJson)]);
        var owner = cluster.Topology.PersisterOf(roomId);
        using var http = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(owner.InternalUri, $"{InternalApi.Prefix.TrimStart('/')}/{PersistProtocol.Path}"))
        {
            Content = new StringContent(JsonSerializer.Serialize(request, PersistProtocol.Json), System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Add(InternalApi.SecretHeader, cluster.Topology.ClusterSecret);
        using var response = await http.SendAsync(message);
        Assert.That(response.IsSuccessStatusCode, Is.True, $"persisting {userId}'s join: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return join.EventId;
    }
}
