using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A PDU that A cannot judge yet (its signer's keys cannot be had) stays queued and is tried again
/// later; once the keys can be had it is accepted, and when they never can, it is dropped after
/// the last attempt. B relays the PDU of a third server C, whose key server is down at first.
/// </summary>
public class InboundPduRetryTests : TwoServerFixture
{

    protected override IReadOnlyDictionary<string, string> SettingsOfA => new Dictionary<string, string>
    {
        ["Cluster:Federation:InboundRetry:FirstDelay"] = "00:00:00.300",
        ["Cluster:Federation:InboundRetry:MaxAttempts"] = "4",
    };

    /// <summary>A stand-in server C that publishes its key only once <see cref="Up"/>; 503 before.</summary>
    private sealed class KeyServer : IAsyncDisposable
    {
        private FakeRemoteServer _server = null!;

        public Ed25519SigningKey Key { get; } = Ed25519SigningKey.Generate("c1");

        public volatile bool Up;

        public string ServerName => _server.ServerName;

        public static async Task<KeyServer> StartAsync()
        {
            var keys = new KeyServer();
            keys._server = await FakeRemoteServer.StartAsync(keys.HandleAsync);
            return keys;
        }

        private Task HandleAsync(HttpContext context)
        {
            if (!Up || context.Request.Path != "/_matrix/key/v2/server")
            {
                context.Response.StatusCode = Up ? 404 : 503;
                return Task.CompletedTask;
            }
            return FakeRemoteServer.WriteKeyDocumentAsync(context, ServerName, Key);
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            Key.Dispose();
        }
    }

    /// <summary>B relays to A the join of C's user Carol to a fresh public room of Alice's; returns the join's event ID.</summary>
    private async Task<string> RelayJoinOfCAsync(KeyServer c)
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var latest = await A.Service<EventStore>().GetEventAsync(await Alice.SendMessageAsync(roomId, "hi"), CancellationToken.None);
        var state = await A.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, null, CancellationToken.None);
        var carol = $"@carol:{c.ServerName}";
        using var fromC = new RemoteEventBuilder(c.ServerName, c.Key);
        var join = fromC.BuildOn(state, "m.room.member", carol, new JsonObject { ["membership"] = "join" }, carol, [latest!]);
        var response = await SendTransactionFromBAsync($"relay-{Guid.NewGuid():N}", TransactionOfB(join));
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        return join.EventId;
    }

    private async Task<int?> QueuedAttemptsAsync(string eventId)
    {
        await using var connection = new NpgsqlConnection(A.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT attempts FROM federation_inbound_pdus WHERE event_id = $1", connection);
        command.Parameters.AddWithValue(eventId);
        return await command.ExecuteScalarAsync() as int?;
    }

    private Task<StoredEvent?> StoredAsync(string eventId) => A.Service<EventStore>().GetEventAsync(eventId, CancellationToken.None);

    [Test]
    public async Task A_pdu_whose_signers_keys_cannot_be_had_yet_is_kept_and_accepted_once_they_can()
    {
        await using var c = await KeyServer.StartAsync();
        var joinId = await RelayJoinOfCAsync(c);

        await Eventually.That(async () => await QueuedAttemptsAsync(joinId) >= 1, TimeSpan.FromSeconds(10));
        Assert.That(await StoredAsync(joinId), Is.Null, "no verdict without C's keys");

        c.Up = true;
        await Eventually.That(async () => await StoredAsync(joinId) is not null, TimeSpan.FromSeconds(15));
        var stored = await StoredAsync(joinId);
        var stillQueued = await QueuedAttemptsAsync(joinId);
        Assert.Multiple(() =>
        {
            Assert.That(stored!.RejectionReason, Is.Null);
            Assert.That(stored.IsInTimeline, Is.True);
            Assert.That(stillQueued, Is.Null, "done with, so no longer queued");
        });
    }

    [Test]
    public async Task A_pdu_whose_signers_keys_never_come_is_dropped_after_the_last_attempt()
    {
        await using var c = await KeyServer.StartAsync();
        var joinId = await RelayJoinOfCAsync(c);

        await Eventually.That(async () => await QueuedAttemptsAsync(joinId) >= 2, TimeSpan.FromSeconds(10));
        // Four attempts, 0.3 + 0.6 + 1.2 s apart (less jitter): gone within seconds.
        await Eventually.That(async () => await QueuedAttemptsAsync(joinId) is null, TimeSpan.FromSeconds(20));
        Assert.That(await StoredAsync(joinId), Is.Null);
    }
}
