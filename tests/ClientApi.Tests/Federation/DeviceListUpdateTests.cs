using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Accounts;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Accounts;
using Cluster.Shared.Storage.Federation;
using Npgsql;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>Logging in and reading device list versions, shared by the device list tests.</summary>
internal static class DeviceLists
{
    /// <summary>Logs <paramref name="user"/> in again (on <paramref name="deviceId"/>, a new device when null); returns the device's ID.</summary>
    public static async Task<string> LogInAsync(Homeserver server, TestUser user, string? deviceId = null) =>
        (await PasswordLogin.LogInAsync(server, user, deviceId))["device_id"]!.GetValue<string>();

    public static async Task RenameAsync(TestUser user, string deviceId, string name) =>
        (await user.Client.PutAsync($"/_matrix/client/v3/devices/{deviceId}", new JsonObject { ["display_name"] = name })).Ok();

    public static async Task DeleteAsync(TestUser user, string deviceId) =>
        (await PasswordAuth.SendAsync(user, HttpMethod.Delete, $"/_matrix/client/v3/devices/{deviceId}", new JsonObject())).Ok();

    public static Task<long> VersionAsync(Homeserver server, string userId) =>
        server.Service<DeviceStore>().GetListVersionAsync(UserId.Parse(userId), CancellationToken.None);
}

/// <summary>
/// The m.device_list_update EDUs A sends when a local user's device is added, renamed or deleted:
/// to every other server joined to a room the user is in (a stand-in that records them), one chain
/// of stream_id and prev_id per user, kept in the outbox until the destination takes them.
/// </summary>
public class OutboundDeviceListUpdateTests : RecordingRemotesFixture
{
    /// <summary>A recording server with a user joined to a new room of <paramref name="local"/>.</summary>
    private async Task<RecordingRemoteServer> RemoteInRoomWithAsync(TestUser local)
    {
        var remote = await RemoteAsync();
        var roomId = await local.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        await RemoteMembers.JoinAsync(A, roomId, $"@bob:{remote.ServerName}", remote.ServerName);
        return remote;
    }

    private static List<JsonObject> Updates(IEnumerable<JsonObject> edus, string userId) =>
        [.. edus.Where(e => e["edu_type"]?.GetValue<string>() == "m.device_list_update")
            .Select(e => e["content"]!.AsObject())
            .Where(c => c["user_id"]?.GetValue<string>() == userId)];

    private static long StreamId(JsonObject update) => update["stream_id"]!.GetValue<long>();

    private static long[] PrevIds(JsonObject update) => [.. update["prev_id"]!.AsArray().Select(p => p!.GetValue<long>())];

    [Test]
    public async Task A_device_added_renamed_and_deleted_reaches_a_server_sharing_a_room_as_chained_updates()
    {
        var alice = await A.RegisterUserAsync();
        var remote = await RemoteInRoomWithAsync(alice);
        var before = await DeviceLists.VersionAsync(A, alice.UserId);

        var laptop = await DeviceLists.LogInAsync(A, alice);
        await DeviceLists.RenameAsync(alice, laptop, "Laptop");
        await DeviceLists.DeleteAsync(alice, laptop);
        await Eventually.That(() => Updates(remote.DeliveredEdus, alice.UserId).Count >= 3, Patience);

        var updates = Updates(remote.DeliveredEdus, alice.UserId);
        Assert.Multiple(() =>
        {
            Assert.That(updates, Has.Count.EqualTo(3));
            Assert.That(updates.Select(u => u["device_id"]!.GetValue<string>()), Has.All.EqualTo(laptop));
            Assert.That(updates[0].Select(f => f.Key), Is.EquivalentTo(new[] { "user_id", "device_id", "stream_id", "prev_id" }));
            Assert.That(updates[1].Select(f => f.Key), Is.EquivalentTo(new[] { "user_id", "device_id", "stream_id", "prev_id", "device_display_name" }));
            Assert.That(updates[1]["device_display_name"]!.GetValue<string>(), Is.EqualTo("Laptop"));
            Assert.That(updates[2].Select(f => f.Key), Is.EquivalentTo(new[] { "user_id", "device_id", "stream_id", "prev_id", "deleted" }));
            Assert.That(updates[2]["deleted"]!.GetValue<bool>(), Is.True);
            // One chain: each update names the one before it, the first the version before the changes.
            Assert.That(PrevIds(updates[0]), Is.EqualTo(new[] { before }));
            Assert.That(PrevIds(updates[1]), Is.EqualTo(new[] { StreamId(updates[0]) }));
            Assert.That(PrevIds(updates[2]), Is.EqualTo(new[] { StreamId(updates[1]) }));
            Assert.That(updates.Select(StreamId), Is.Unique.And.Ordered);
            Assert.That(StreamId(updates[0]), Is.GreaterThan(before));
        });
    }

    [Test]
    public async Task The_last_update_carries_the_version_that_user_devices_answers()
    {
        var alice = await A.RegisterUserAsync();
        var remote = await RemoteInRoomWithAsync(alice);

        await DeviceLists.LogInAsync(A, alice);
        await Eventually.That(() => Updates(remote.DeliveredEdus, alice.UserId).Count >= 1, Patience);

        Assert.That(StreamId(Updates(remote.DeliveredEdus, alice.UserId).Single()), Is.EqualTo(await DeviceLists.VersionAsync(A, alice.UserId)));
    }

    [Test]
    public async Task A_server_sharing_no_room_with_the_user_gets_no_update()
    {
        var alice = await A.RegisterUserAsync();
        var carol = await A.RegisterUserAsync();
        var withAlice = await RemoteInRoomWithAsync(alice);
        var withCarolOnly = await RemoteInRoomWithAsync(carol);

        await DeviceLists.LogInAsync(A, alice);
        // Carol's change is enqueued after Alice's: once it reached the other server, Alice's would have too.
        await DeviceLists.LogInAsync(A, carol);
        await Eventually.That(() => Updates(withAlice.DeliveredEdus, alice.UserId).Count >= 1, Patience);
        await Eventually.That(() => Updates(withCarolOnly.DeliveredEdus, carol.UserId).Count >= 1, Patience);

        Assert.That(Updates(withCarolOnly.DeliveredEdus, alice.UserId), Is.Empty);
    }

    [Test]
    public async Task Logging_in_again_on_a_known_device_sends_no_update()
    {
        var alice = await A.RegisterUserAsync();
        var remote = await RemoteInRoomWithAsync(alice);

        await DeviceLists.LogInAsync(A, alice, alice.DeviceId);
        await DeviceLists.RenameAsync(alice, alice.DeviceId, "after the login");
        await Eventually.That(() => Updates(remote.DeliveredEdus, alice.UserId).Count >= 1, Patience);
        await Task.Delay(300);

        var updates = Updates(remote.DeliveredEdus, alice.UserId);
        Assert.That(updates.Select(u => u["device_display_name"]?.GetValue<string>()), Is.EqualTo(new[] { "after the login" }));
    }

    [Test]
    public async Task An_update_for_a_server_that_is_down_waits_in_the_outbox_and_is_delivered_once_it_answers()
    {
        var alice = await A.RegisterUserAsync();
        var remote = await RemoteInRoomWithAsync(alice);
        remote.Behaviour = RecordingRemoteServer.Mode.Fail;

        var phone = await DeviceLists.LogInAsync(A, alice);
        await Eventually.That(() => Updates(remote.Refused.SelectMany(t => t.Edus), alice.UserId).Count > 0 && remote.Refused.Count >= 2, Patience);
        Assert.That(await OutboxUpdatesAsync(remote.ServerName), Is.GreaterThanOrEqualTo(1));
        remote.Behaviour = RecordingRemoteServer.Mode.Accept;
        await Eventually.That(() => Updates(remote.DeliveredEdus, alice.UserId).Count >= 1, Patience);
        await Task.Delay(300);

        Assert.That(Updates(remote.DeliveredEdus, alice.UserId).Select(u => u["device_id"]!.GetValue<string>()), Is.EqualTo(new[] { phone }));
    }

    private async Task<long> OutboxUpdatesAsync(string destination)
    {
        await using var connection = new NpgsqlConnection(A.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM federation_outbox_edus WHERE destination = $1 AND edu_type = 'm.device_list_update'", connection);
        command.Parameters.AddWithValue(destination);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// The m.device_list_update EDUs A takes from B's /send: kept in A's cache of B's users' device
/// lists when they share a room with A's users, applied in chain order, and resynced from B's
/// <c>/user/devices</c> when the chain has a gap; dropped when they are for someone else's users,
/// for users sharing no room, or malformed, without failing the transaction.
/// </summary>
public class InboundDeviceListUpdateTests : TwoServerFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private RemoteDeviceListStore Cache => A.Service<RemoteDeviceListStore>();

    /// <summary>A user of B put into a room of Alice's on A only (B does not know, so B sends nothing of its own for them).</summary>
    private async Task<TestUser> BobInRoomWithAliceAsync()
    {
        var bob = await B.RegisterUserAsync();
        var roomId = await Alice.CreatePublicRoomAsync();
        await RemoteMembers.JoinAsync(A, roomId, bob.UserId, B.ServerName);
        return bob;
    }

    private async Task SendFromBAsync(params JsonNode[] edus)
    {
        var response = await SendTransactionFromBAsync(FederationTransactions.From(B.ServerName, [], edus));
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
    }

    private static JsonObject Update(string userId, string deviceId, long streamId, params long[] prevIds) => Edu(new JsonObject
    {
        ["user_id"] = userId,
        ["device_id"] = deviceId,
        ["stream_id"] = streamId,
        ["prev_id"] = new JsonArray([.. prevIds.Select(p => (JsonNode)p)]),
    });

    private static JsonObject Edu(JsonNode content) => new() { ["edu_type"] = "m.device_list_update", ["content"] = content };

    /// <summary>Waits until A holds an up-to-date list for <paramref name="userId"/> at <paramref name="streamId"/>, and returns it.</summary>
    private async Task<RemoteDeviceList> ResyncedAsync(string userId, long streamId)
    {
        RemoteDeviceList? list = null;
        await FederatedRooms.WaitUntilAsync(async () =>
        {
            list = await Cache.GetAsync(userId, CancellationToken.None);
            return list is { IsStale: false } && list.StreamId == streamId;
        }, $"A holds the device list of {userId} at {streamId}");
        return list!;
    }

    /// <summary>Bob's list on A as B has it now, fetched by A on a first update (whose prev_id A cannot know).</summary>
    private async Task<long> CachedOnAAsync(TestUser bob)
    {
        var version = await DeviceLists.VersionAsync(B, bob.UserId);
        await SendFromBAsync(Update(bob.UserId, bob.DeviceId, version, version - 1));
        await ResyncedAsync(bob.UserId, version);
        return version;
    }

    private static IEnumerable<string> DeviceIds(RemoteDeviceList list) => list.Devices.Select(d => d.DeviceId);

    [Test]
    public async Task A_first_update_for_a_user_makes_A_fetch_the_whole_list_from_their_server()
    {
        var bob = await BobInRoomWithAliceAsync();
        var second = await DeviceLists.LogInAsync(B, bob);
        await DeviceLists.RenameAsync(bob, second, "Bob's tablet");
        var version = await DeviceLists.VersionAsync(B, bob.UserId);

        await SendFromBAsync(Update(bob.UserId, second, version, version - 1));
        var list = await ResyncedAsync(bob.UserId, version);

        Assert.That(list.Devices, Is.EquivalentTo(new[] { new RemoteDevice(bob.DeviceId, null), new RemoteDevice(second, "Bob's tablet") }));
    }

    [Test]
    public async Task Updates_that_follow_on_from_the_list_held_are_applied_in_order()
    {
        var bob = await BobInRoomWithAliceAsync();
        var held = await CachedOnAAsync(bob);

        var added = Update(bob.UserId, "NEWDEVICE", held + 10, held);
        added["content"]!["device_display_name"] = "Tablet";
        await SendFromBAsync(added);
        var afterAdd = (await Cache.GetAsync(bob.UserId, CancellationToken.None))!;
        var renamed = Update(bob.UserId, "NEWDEVICE", held + 20, held + 10);
        renamed["content"]!["device_display_name"] = "Kitchen tablet";
        await SendFromBAsync(renamed);
        var afterRename = (await Cache.GetAsync(bob.UserId, CancellationToken.None))!;
        var deleted = Update(bob.UserId, "NEWDEVICE", held + 30, held + 20);
        deleted["content"]!["deleted"] = true;
        await SendFromBAsync(deleted);
        var afterDelete = (await Cache.GetAsync(bob.UserId, CancellationToken.None))!;

        Assert.Multiple(() =>
        {
            Assert.That(afterAdd.Devices, Does.Contain(new RemoteDevice("NEWDEVICE", "Tablet")));
            Assert.That(afterAdd.StreamId, Is.EqualTo(held + 10));
            Assert.That(afterRename.Devices, Does.Contain(new RemoteDevice("NEWDEVICE", "Kitchen tablet")));
            Assert.That(afterRename.StreamId, Is.EqualTo(held + 20));
            Assert.That(DeviceIds(afterDelete), Is.EqualTo(new[] { bob.DeviceId }));
            Assert.That(afterDelete.StreamId, Is.EqualTo(held + 30));
            Assert.That(afterDelete.IsStale, Is.False);
        });
    }

    [Test]
    public async Task An_update_whose_prev_id_A_does_not_have_makes_A_resync_the_whole_list()
    {
        var bob = await BobInRoomWithAliceAsync();
        var held = await CachedOnAAsync(bob);
        // A change A never hears of: B sends nothing to A, as it knows of no room they share.
        var missed = await DeviceLists.LogInAsync(B, bob);
        var now = await DeviceLists.VersionAsync(B, bob.UserId);

        await SendFromBAsync(Update(bob.UserId, "GHOST", now + 100, now + 50));
        var list = await ResyncedAsync(bob.UserId, now);

        Assert.That(DeviceIds(list), Is.EquivalentTo(new[] { bob.DeviceId, missed }));
        Assert.That(now, Is.GreaterThan(held));
    }

    [Test]
    public async Task An_update_for_a_user_of_another_server_than_the_origin_is_ignored()
    {
        var carol = "@carol:carol.example.org";
        var roomId = await Alice.CreatePublicRoomAsync();
        await RemoteMembers.JoinAsync(A, roomId, carol, "carol.example.org");

        await SendFromBAsync(Update(carol, "CAROLDEVICE", 10, 9));

        Assert.That(await Cache.GetAsync(carol, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task An_update_for_a_user_sharing_no_room_with_a_local_user_is_ignored()
    {
        var stranger = await B.RegisterUserAsync();

        await SendFromBAsync(Update(stranger.UserId, stranger.DeviceId, 10, 9));

        Assert.That(await Cache.GetAsync(stranger.UserId, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Malformed_updates_are_ignored_and_the_rest_of_the_transaction_is_applied()
    {
        var bob = await BobInRoomWithAliceAsync();
        var held = await CachedOnAAsync(bob);
        var next = held + 1;
        JsonObject Bad(string deviceId, string field, JsonNode? value)
        {
            var edu = Update(bob.UserId, deviceId, next, held);
            edu["content"]![field] = value;
            return edu;
        }

        await SendFromBAsync(
            Edu("not an object"),
            Bad("BAD1", "stream_id", "7"),
            Bad("BAD2", "stream_id", 1.5),
            Bad("BAD3", "prev_id", held),
            Bad("BAD4", "prev_id", new JsonArray("x")),
            Bad("BAD5", "prev_id", new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode)(held - i))])),
            Bad("BAD6", "device_display_name", new string('n', 100_000)),
            Bad("BAD7", "device_display_name", 42),
            Bad("BAD8", "deleted", "yes"),
            Bad("BAD9", "device_id", new string('d', 10_000)),
            Bad("BAD10", "device_id", 5),
            Update(bob.UserId, "GOOD", next, held));
        var list = (await Cache.GetAsync(bob.UserId, CancellationToken.None))!;

        // Had any bad update been applied at stream_id next, the good one would have been taken as a repeat.
        Assert.Multiple(() =>
        {
            Assert.That(DeviceIds(list), Is.EquivalentTo(new[] { bob.DeviceId, "GOOD" }));
            Assert.That(list.StreamId, Is.EqualTo(next));
            Assert.That(list.IsStale, Is.False);
        });
    }

    [Test]
    public async Task A_device_added_and_renamed_on_B_reaches_As_cache_through_a_room_they_really_share()
    {
        var (_, users) = await FederatedRooms.SharedRoomAsync([A, B]);
        var bob = users[1];

        var phone = await DeviceLists.LogInAsync(B, bob);
        var added = await DeviceLists.VersionAsync(B, bob.UserId);
        // A held nothing for Bob: B's update makes A fetch the whole list.
        var list = await ResyncedAsync(bob.UserId, added);
        Assert.That(DeviceIds(list), Is.EquivalentTo(new[] { bob.DeviceId, phone }));

        await DeviceLists.RenameAsync(bob, phone, "Bob's phone");
        var renamed = await DeviceLists.VersionAsync(B, bob.UserId);
        list = await ResyncedAsync(bob.UserId, renamed);
        Assert.That(list.Devices, Does.Contain(new RemoteDevice(phone, "Bob's phone")));
    }
}

/// <summary>A's sender restarted while a remote is failing: the device list updates waiting for it go out after the restart, once each, still chained.</summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public class DeviceListUpdateRestartTests
{
    [Test]
    public async Task Updates_waiting_for_a_failing_server_are_delivered_once_each_after_a_restart()
    {
        await using var a = await FederatedServers.StartAsync(SenderSettings.Short);
        await using var b = await RecordingRemoteServer.StartAsync(RoomVersions.Default);
        var alice = await a.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        await RemoteMembers.JoinAsync(a, roomId, $"@bob:{b.ServerName}", b.ServerName);
        b.Behaviour = RecordingRemoteServer.Mode.Fail;

        var phone = await DeviceLists.LogInAsync(a, alice);
        await DeviceLists.RenameAsync(alice, phone, "Phone");
        await Eventually.That(() => b.Refused.Count >= 1, TimeSpan.FromSeconds(30));
        await a.RestartAsync();
        b.Behaviour = RecordingRemoteServer.Mode.Accept;

        List<JsonObject> Updates() => [.. b.DeliveredEdus.Where(e => e["edu_type"]?.GetValue<string>() == "m.device_list_update").Select(e => e["content"]!.AsObject())];
        await Eventually.That(() => Updates().Count >= 2, TimeSpan.FromSeconds(30));
        await Task.Delay(300);

        var updates = Updates();
        Assert.Multiple(() =>
        {
            Assert.That(updates.Select(u => u["device_display_name"]?.GetValue<string>()), Is.EqualTo(new[] { null, "Phone" }));
            Assert.That(updates[1]["prev_id"]!.AsArray().Select(p => p!.GetValue<long>()), Is.EqualTo(new[] { updates[0]["stream_id"]!.GetValue<long>() }));
        });
    }
}

/// <summary>
/// Device lists between two servers sharing a room, each way: A (a worker cluster with
/// <c>HOMESERVER_UNDER_TEST=cluster</c>, else a single process) and B (a single process). A new
/// device of one server's user ends up in the other server's cache, read from its database.
/// </summary>
[NonParallelizable]
public class DeviceListsAcrossServersTests
{
    private Homeserver _a = null!;
    private Homeserver _b = null!;

    [OneTimeSetUp]
    public async Task StartServers()
    {
        _a = Homeserver.IsCluster ? await FederatedServers.StartClusterAsync(SenderSettings.Short) : await FederatedServers.StartSingleProcessAsync(SenderSettings.Short);
        _b = await FederatedServers.StartSingleProcessAsync(SenderSettings.Short);
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        if (_a is not null) await _a.DisposeAsync();
        if (_b is not null) await _b.DisposeAsync();
    }

    private static async Task<long> VersionAsync(Homeserver server, string userId)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT stream_id FROM device_list_versions WHERE user_id = $1", connection);
        command.Parameters.AddWithValue(userId);
        return await command.ExecuteScalarAsync() is long version ? version : 0;
    }

    /// <summary>The device IDs <paramref name="server"/> holds for another server's user, when its list is up to date at <paramref name="streamId"/>.</summary>
    private static async Task<IReadOnlyList<string>?> CachedAtAsync(Homeserver server, string userId, long streamId)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT d.device_id FROM remote_device_lists l LEFT JOIN remote_devices d ON d.user_id = l.user_id " +
            "WHERE l.user_id = $1 AND l.stream_id = $2 AND l.resync_at IS NULL ORDER BY d.device_id", connection);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(streamId);
        await using var reader = await command.ExecuteReaderAsync();
        var devices = new List<string>();
        while (await reader.ReadAsync())
            if (!reader.IsDBNull(0))
                devices.Add(reader.GetString(0));
        return devices.Count == 0 ? null : devices;
    }

    private static async Task<IReadOnlyList<string>> CachedEventuallyAsync(Homeserver server, string userId, long streamId)
    {
        IReadOnlyList<string>? devices = null;
        await FederatedRooms.WaitUntilAsync(async () => (devices = await CachedAtAsync(server, userId, streamId)) is not null,
            $"{server.ServerName} holds the device list of {userId} at {streamId}", 60);
        return devices!;
    }

    [Test]
    public async Task A_new_device_of_either_servers_user_reaches_the_other_servers_cache()
    {
        var (_, users) = await FederatedRooms.SharedRoomAsync([_a, _b]);
        var (alice, bob) = (users[0], users[1]);

        var alicePhone = await DeviceLists.LogInAsync(_a, alice);
        var bobPhone = await DeviceLists.LogInAsync(_b, bob);

        var onB = await CachedEventuallyAsync(_b, alice.UserId, await VersionAsync(_a, alice.UserId));
        var onA = await CachedEventuallyAsync(_a, bob.UserId, await VersionAsync(_b, bob.UserId));
        Assert.Multiple(() =>
        {
            Assert.That(onB, Is.EquivalentTo(new[] { alice.DeviceId, alicePhone }));
            Assert.That(onA, Is.EquivalentTo(new[] { bob.DeviceId, bobPhone }));
        });
    }
}
