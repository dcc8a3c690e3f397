using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.RoomVersions;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// The federation sender of homeserver A, seen from stand-in remote servers whose users are
/// joined to A's rooms: what arrives, in which transactions, and what happens while a remote
/// fails or stalls.
/// </summary>
public class FederationSenderTests : RecordingRemotesFixture
{
    private async Task<List<string>> SendMessagesAsync(string roomId, int count)
    {
        var sent = new List<string>();
        for (var i = 0; i < count; i++)
            sent.Add(await Alice.SendMessageAsync(roomId, $"message {i}"));
        return sent;
    }

    [Test]
    public async Task Messages_arrive_at_a_joined_remote_server_in_order_each_once_and_nothing_else()
    {
        var b = await RemoteAsync();
        var roomId = await RoomWithAsync(b);
        var sent = await SendMessagesAsync(roomId, 20);

        await Eventually.That(() => b.DeliveredEventIds.Count >= sent.Count, Patience);
        await Task.Delay(300);

        // Exactly the messages: not the room's events from before B joined, not B's own join.
        Assert.That(b.DeliveredEventIds, Is.EqualTo(sent));
        Assert.That(b.Accepted.Select(t => t.Origin), Is.All.EqualTo(A.ServerName));
    }

    [Test]
    public async Task A_failing_remote_is_retried_with_backoff_under_the_same_transaction_then_gets_everything_once()
    {
        var b = await RemoteAsync();
        var roomId = await RoomWithAsync(b);
        b.Behaviour = RecordingRemoteServer.Mode.Fail;
        var sent = await SendMessagesAsync(roomId, 120);
        await Eventually.That(() => b.Refused.Count >= 3, Patience);

        b.Behaviour = RecordingRemoteServer.Mode.Accept;
        await Eventually.That(() => b.DeliveredEventIds.Count >= sent.Count, Patience);
        await Task.Delay(300);

        var refused = b.Refused;
        Assert.Multiple(() =>
        {
            Assert.That(b.DeliveredEventIds, Is.EqualTo(sent), "every message once, in order");
            Assert.That(b.Accepted.Select(t => t.EventIds.Count), Is.All.InRange(1, 50));
            Assert.That(b.Accepted.Select(t => t.EventIds.Count), Has.Some.EqualTo(50), "the backlog went in full transactions");
            // The same transaction went again: same ID, same PDUs, until it got through.
            Assert.That(refused.Select(t => t.TxnId).Distinct().Count(), Is.EqualTo(1));
            Assert.That(refused.Select(t => string.Join(",", t.EventIds)).Distinct().Count(), Is.EqualTo(1));
            Assert.That(b.Accepted[0].TxnId, Is.EqualTo(refused[0].TxnId));
            Assert.That(b.Accepted[0].EventIds, Is.EqualTo(refused[0].EventIds));
            // Backed off: never straight back (minimum 200 ms, less jitter).
            for (var i = 1; i < refused.Count; i++)
                Assert.That(refused[i].At - refused[i - 1].At, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(150)));
            Assert.That(b.Accepted.Select(t => t.TxnId), Is.Unique);
        });
    }

    [Test]
    public async Task A_stalled_remote_does_not_delay_another_remote()
    {
        var stalled = await RemoteAsync();
        var healthy = await RemoteAsync();
        stalled.Behaviour = RecordingRemoteServer.Mode.Stall;
        // The healthy remote joins first: the stalled remote's join after it is not its to get either.
        var roomId = await RoomWithAsync(healthy, stalled);
        var sent = await SendMessagesAsync(roomId, 5);

        await Eventually.That(() => healthy.DeliveredEventIds.Count >= sent.Count, Patience);
        Assert.Multiple(() =>
        {
            Assert.That(stalled.StalledNow, Is.EqualTo(1), "the stalled remote still holds its first transaction");
            Assert.That(healthy.DeliveredEventIds, Is.EqualTo(sent));
        });
    }
}

/// <summary>A's sender restarted while a remote is failing: it picks up where it stopped.</summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public class FederationSenderRestartTests
{
    [Test]
    public async Task A_restarted_sender_resumes_without_repeating_or_losing_events()
    {
        await using var a = await FederatedServers.StartAsync(SenderSettings.Short);
        await using var b = await RecordingRemoteServer.StartAsync(RoomVersions.Default);
        var alice = await a.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        await RemoteMembers.JoinAsync(a, roomId, $"@bob:{b.ServerName}", b.ServerName);

        var before = new List<string>();
        for (var i = 0; i < 5; i++)
            before.Add(await alice.SendMessageAsync(roomId, $"before {i}"));
        await Eventually.That(() => b.DeliveredEventIds.Count >= before.Count, TimeSpan.FromSeconds(30));

        b.Behaviour = RecordingRemoteServer.Mode.Fail;
        var during = new List<string>();
        for (var i = 0; i < 5; i++)
            during.Add(await alice.SendMessageAsync(roomId, $"during {i}"));
        await Eventually.That(() => b.Refused.Count >= 1, TimeSpan.FromSeconds(30));

        await a.RestartAsync();
        b.Behaviour = RecordingRemoteServer.Mode.Accept;
        var after = await alice.SendMessageAsync(roomId, "after");

        await Eventually.That(() => b.DeliveredEventIds.Count >= before.Count + during.Count + 1, TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        Assert.That(b.DeliveredEventIds, Is.EqualTo(before.Concat(during).Append(after)));
    }
}
