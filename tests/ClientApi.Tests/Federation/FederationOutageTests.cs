using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Two real servers share a room; B goes down for a while and comes back on the same address. A
/// backs off meanwhile, then catches B up: nothing lost, nothing twice. When B talks to A, A's
/// back-off from B ends there and then.
/// </summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public class FederationOutageTests
{
    private static async Task<(Homeserver A, Homeserver B)> StartPairAsync(string minBackoff, string maxBackoff)
    {
        var settings = new Dictionary<string, string>
        {
            ["Cluster:Federation:Sender:MinBackoff"] = minBackoff,
            ["Cluster:Federation:Sender:MaxBackoff"] = maxBackoff,
            ["Cluster:Federation:RequestTimeout"] = "00:00:10",
        };
        var a = await FederatedServers.StartAsync(settings);
        try
        {
            return (a, await FederatedServers.StartAsync(settings));
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>Alice's public room on A with Bob of B joined through A, and a first message that reached B.</summary>
    private static async Task<(TestUser Alice, TestUser Bob, string RoomId)> SharedRoomAsync(Homeserver a, Homeserver b)
    {
        var alice = await a.RegisterUserAsync();
        var bob = await b.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?server_name={Uri.EscapeDataString(a.ServerName)}",
            new JsonObject())).Ok();
        var first = await alice.SendMessageAsync(roomId, "before the outage");
        await Eventually.That(async () => await StoredAsync(b, first), TimeSpan.FromSeconds(30));
        return (alice, bob, roomId);
    }

    private static async Task<bool> StoredAsync(Homeserver server, string eventId) =>
        await server.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None) is not null;

    private static async Task<bool> AllStoredAsync(Homeserver server, IEnumerable<string> eventIds) =>
        (await server.Service<EventStore>().GetEventsAsync([.. eventIds], CancellationToken.None)).Count == eventIds.Count();

    private static async Task<int> FailuresTowardsAsync(Homeserver server, string destination)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT failures FROM federation_destinations WHERE destination = $1", connection);
        command.Parameters.AddWithValue(destination);
        return await command.ExecuteScalarAsync() is int failures ? failures : 0;
    }

    private static async Task<long?> HeardFromAsync(Homeserver server, string destination)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT heard_from_ts FROM federation_destinations WHERE destination = $1", connection);
        command.Parameters.AddWithValue(destination);
        return await command.ExecuteScalarAsync() as long?;
    }

    [Test]
    public async Task A_request_within_a_second_of_the_last_one_noted_still_ends_the_back_off()
    {
        await using var server = await FederatedServers.StartAsync();
        var origin = ServerName.Parse("peer.example.org");
        var heardFrom = server.Service<OriginsHeardFrom>();
        await heardFrom.NoteAsync(origin, CancellationToken.None);

        // The peer fails right after that note (it restarts), and its first request after it
        // comes back falls inside the interval of the note before.
        await using (var connection = new NpgsqlConnection(server.DatabaseConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "INSERT INTO federation_destinations (destination, failures, retry_at) VALUES ($1, 1, $2)", connection);
            command.Parameters.AddWithValue(origin.ToString());
            command.Parameters.AddWithValue(DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync();
        }
        await heardFrom.NoteAsync(origin, CancellationToken.None);

        await Eventually.That(async () => await HeardFromAsync(server, origin.ToString()) is not null,
            OriginsHeardFrom.Interval + TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task A_server_that_was_down_gets_every_message_sent_meanwhile_exactly_once()
    {
        var (a, b) = await StartPairAsync("00:00:00.200", "00:00:01");
        await using var stopA = a;
        await using var stopB = b;
        var (alice, _, roomId) = await SharedRoomAsync(a, b);

        await b.StopAsync();
        var sent = new List<string>();
        for (var i = 0; i < 30; i++)
            sent.Add(await alice.SendMessageAsync(roomId, $"while B is down {i}"));
        await Eventually.That(async () => await FailuresTowardsAsync(a, b.ServerName) >= 2, TimeSpan.FromSeconds(30));
        await b.StartAgainAsync();

        await Eventually.That(async () => await AllStoredAsync(b, sent), TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        Assert.That(b.Service<InboundPduQueue>().Taken, Is.EqualTo(sent.Count), "B took each message once since it came back, and nothing else");
    }

    [Test]
    public async Task A_server_that_talks_to_us_is_caught_up_at_once_instead_of_after_the_back_off()
    {
        // One failure puts B a minute away: only B's own request can bring the catch-up forward.
        var (a, b) = await StartPairAsync("00:01:00", "00:02:00");
        await using var stopA = a;
        await using var stopB = b;
        var (alice, bob, roomId) = await SharedRoomAsync(a, b);

        await b.StopAsync();
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
            sent.Add(await alice.SendMessageAsync(roomId, $"while B is down {i}"));
        await Eventually.That(async () => await FailuresTowardsAsync(a, b.ServerName) >= 1, TimeSpan.FromSeconds(30));
        await b.StartAgainAsync();

        var clock = Stopwatch.StartNew();
        await bob.SendMessageAsync(roomId, "B is back");
        await Eventually.That(async () => await AllStoredAsync(b, sent), TimeSpan.FromSeconds(20));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "caught up well inside the 48-72 s back-off");
    }
}

/// <summary>
/// A remote that takes every request and never answers (within A's 60 s request timeout) is in a
/// room with a real server B: B gets A's messages promptly, and A answers B's /send promptly.
/// </summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public class StalledRemoteTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Test]
    public async Task A_stalled_remote_delays_neither_another_server_nor_inbound_transactions()
    {
        var settings = new Dictionary<string, string>(SenderSettings.Short) { ["Cluster:Federation:RequestTimeout"] = "00:01:00" };
        await using var a = await FederatedServers.StartAsync(settings);
        await using var b = await FederatedServers.StartAsync(settings);
        await using var stalled = await RecordingRemoteServer.StartAsync(RoomVersions.Default);
        stalled.Behaviour = RecordingRemoteServer.Mode.Stall;

        var alice = await a.RegisterUserAsync();
        var bob = await b.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await bob.Client.PostAsync($"/_matrix/client/v3/join/{RoomTestHelpers.Path(roomId)}?server_name={Uri.EscapeDataString(a.ServerName)}",
            new JsonObject())).Ok();
        // After B's join, so that B never learns of the stalled server (it would ask it for keys).
        await RemoteMembers.JoinAsync(a, roomId, $"@slow:{stalled.ServerName}", stalled.ServerName);

        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
            sent.Add(await alice.SendMessageAsync(roomId, $"message {i}"));
        var clock = Stopwatch.StartNew();
        await Eventually.That(async () => (await b.Service<EventStore>().GetEventsAsync(sent, CancellationToken.None)).Count == sent.Count, Prompt);
        Assert.That(stalled.StalledNow, Is.GreaterThanOrEqualTo(1), "the stalled remote holds A's transaction all along");

        // B sends A a message of Bob's while A's sender still waits on the stalled remote.
        using var fromB = new RemoteEventBuilder(b.ServerName, await b.SigningKeyAsync());
        var state = await a.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, null, CancellationToken.None);
        var latest = await a.Service<EventStore>().GetEventAsync(sent[^1], CancellationToken.None);
        var message = fromB.BuildOn(state, "m.room.message", bob.UserId, new JsonObject { ["msgtype"] = "m.text", ["body"] = "from B" }, null, [latest!]);
        var transaction = FederationTransactions.From(b.ServerName, [message]);
        clock.Restart();
        var response = await b.Services.GetRequiredService<FederationClient>().SendAsync(
            ServerName.Parse(a.ServerName), HttpMethod.Put, $"/_matrix/federation/v1/send/stalled-{Guid.NewGuid():N}", transaction, CancellationToken.None);
        var answeredIn = clock.Elapsed;
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
            Assert.That(answeredIn, Is.LessThan(Prompt));
            Assert.That(stalled.StalledNow, Is.GreaterThanOrEqualTo(1));
        });
        await Eventually.That(async () => await a.Service<EventStore>().GetEventAsync(message.EventId, CancellationToken.None) is not null, Prompt);
    }
}
