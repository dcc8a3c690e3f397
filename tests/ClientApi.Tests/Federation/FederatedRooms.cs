using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.FederationReader.Transactions;
using Npgsql;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// What tests of one room shared by several servers look at, the same whether a server is the
/// single process or a worker cluster: its timeline through the client API, its current state
/// in its database, and how many PDUs it took from other servers' transactions.
/// </summary>
public static class FederatedRooms
{
    /// <summary>The Prometheus series a cluster's federation readers count taken PDUs in.</summary>
    private const string TakenPdusSeries = "cluster_federation_reader_pdus_total";

    /// <summary>
    /// A room created on <c>servers[0]</c>, joined through it by a user of every other server;
    /// <paramref name="messages"/> messages sent in turn by each server's user. Every server
    /// ends with all of them and the same current state, and took exactly the PDUs the other
    /// servers sent (each event arrives at each server once: no echo, no amplification).
    /// </summary>
    public static async Task ExchangeMessagesAsync(IReadOnlyList<Homeserver> servers, int messages, int deliverySeconds = 120)
    {
        var (roomId, users) = await SharedRoomAsync(servers);
        var takenBefore = new long[servers.Count];
        for (var i = 0; i < servers.Count; i++)
            takenBefore[i] = await InboundPdusTakenAsync(servers[i]);

        var clock = Stopwatch.StartNew();
        var sent = servers.Select(_ => new List<string>()).ToArray();
        for (var i = 0; i < messages; i++)
            sent[i % servers.Count].Add(await users[i % servers.Count].SendMessageAsync(roomId, $"message {i}"));
        var all = sent.SelectMany(s => s).ToHashSet();
        var sending = clock.Elapsed;

        for (var i = 0; i < servers.Count; i++)
        {
            var user = users[i];
            await WaitUntilAsync(async () => (await TimelineIdsAsync(user, roomId)).IsSupersetOf(all),
                $"server {i} has all {messages} messages", deliverySeconds);
        }
        TestContext.Progress.WriteLine(
            $"{messages} messages sent in {sending.TotalSeconds:F1} s; on every server {(clock.Elapsed - sending).TotalSeconds:F1} s later");
        var states = new List<IReadOnlyList<string>>();
        var taken = new long[servers.Count];
        for (var i = 0; i < servers.Count; i++)
        {
            states.Add(await CurrentStateAsync(servers[i], roomId));
            taken[i] = await InboundPdusTakenAsync(servers[i]);
        }
        Assert.Multiple(() =>
        {
            for (var i = 1; i < servers.Count; i++)
                Assert.That(states[i], Is.EqualTo(states[0]), $"server {i}'s room state differs from server 0's");
            for (var i = 0; i < servers.Count; i++)
            {
                var fromOthers = sent.Where((_, j) => j != i).Sum(s => s.Count);
                Assert.That(taken[i] - takenBefore[i], Is.EqualTo(fromOthers),
                    $"server {i} took another number of PDUs than the other servers sent");
            }
        });
    }

    /// <summary>
    /// A public room created by a new user of <c>servers[0]</c>, joined through that server by a
    /// new user of every other server; returns once every server lists every member as joined.
    /// The users are in the order of <paramref name="servers"/>.
    /// </summary>
    public static async Task<(string RoomId, IReadOnlyList<TestUser> Users)> SharedRoomAsync(IReadOnlyList<Homeserver> servers)
    {
        var users = new List<TestUser>();
        foreach (var server in servers)
            users.Add(await server.RegisterUserAsync());
        var roomId = await users[0].CreatePublicRoomAsync();
        for (var i = 1; i < servers.Count; i++)
            (await users[i].Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?via={Uri.EscapeDataString(servers[0].ServerName)}",
                new JsonObject())).Ok();
        // Every server knows every member before anything is counted: the joins travel too.
        for (var i = 0; i < servers.Count; i++)
        {
            var user = users[i];
            await WaitUntilAsync(async () =>
                (await user.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/joined_members")).Ok()["joined"]!.AsObject().Count == servers.Count,
                $"server {i} lists all {servers.Count} members");
        }
        return (roomId, users);
    }

    /// <summary>The event IDs of the room's timeline as <paramref name="user"/> pages back through it.</summary>
    public static async Task<IReadOnlySet<string>> TimelineIdsAsync(TestUser user, string roomId)
    {
        var page = (await user.Client.GetAsync($"/_matrix/client/v3/rooms/{RoomTestHelpers.Path(roomId)}/messages?dir=b&limit=1000")).Ok();
        return page["chunk"]!.AsArray().Select(e => e!["event_id"].Str()).ToHashSet();
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The room's current state as the server stored it: "type|state_key|event ID", in key order.</summary>
    public static async Task<IReadOnlyList<string>> CurrentStateAsync(Homeserver server, string roomId)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT type, state_key, event_id FROM current_state_events WHERE room_id = $1 ORDER BY type, state_key", connection);
        command.Parameters.AddWithValue(roomId);
        await using var reader = await command.ExecuteReaderAsync();
        var state = new List<string>();
        while (await reader.ReadAsync())
            state.Add($"{reader.GetString(0)}|{reader.GetString(1)}|{reader.GetString(2)}");
        return state;
    }

    /// <summary>
    /// PDUs the server took from other servers' transactions since it started (each transaction
    /// once): the single process's queue counts them; a cluster's federation readers export the
    /// count on their metrics, summed here.
    /// </summary>
    public static async Task<long> InboundPdusTakenAsync(Homeserver server)
    {
        if (server.WorkerCluster is not { } cluster)
            return server.Service<InboundPduQueue>().Taken;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        long taken = 0;
        foreach (var reader in cluster.Topology.Instances.Where(i => i.Has(Roles.FederationReader)))
        {
            var scrape = await http.GetStringAsync(new Uri(cluster.Internal(reader.Name), "metrics"));
            // A counter that has counted nothing yet is not exported at all.
            foreach (var line in scrape.Split('\n').Where(l => l.StartsWith(TakenPdusSeries + "{", StringComparison.Ordinal) || l.StartsWith(TakenPdusSeries + " ", StringComparison.Ordinal)))
                taken += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return taken;
    }
}
