using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.FederationReader.Transactions;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// The client side of membership across servers, between two real servers on loopback: a user of A
/// invites a user of B (B countersigns through /invite), a user of B rejects that invite or knocks
/// on A's room (make_leave/send_leave, make_knock/send_knock through A), and what each user's
/// /sync and each room's state show afterwards.
/// </summary>
public class MembershipAcrossServersTests : TwoServerFixture
{
    private const string V3 = RoomTestHelpers.V3;


    private static readonly IReadOnlyDictionary<string, string> FastRetries = new Dictionary<string, string>
    {
        ["Cluster:Federation:Sender:MinBackoff"] = "00:00:00.200",
        ["Cluster:Federation:Sender:MaxBackoff"] = "00:00:02",
    };

    protected override IReadOnlyDictionary<string, string> SettingsOfA => FastRetries;

    protected override IReadOnlyDictionary<string, string> SettingsOfB => FastRetries;

    private static async Task<string?> MembershipAsync(TestUser viewer, string roomId, string userId)
    {
        var response = await viewer.GetStateAsync(roomId, "m.room.member", userId);
        return response.Status == HttpStatusCode.OK ? response.Object["membership"]?.GetValue<string>() : null;
    }

    private Task<string> KnockRoomAsync(TestUser creator) =>
        creator.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "private_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.join_rules", ["state_key"] = "", ["content"] = new JsonObject { ["join_rule"] = "knock" },
            }),
        });

    [Test]
    public async Task A_user_of_another_server_who_is_invited_sees_the_invite_in_sync_and_joins()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat", ["name"] = "Alice's room" });

        (await alice.InviteAsync(roomId, bob.UserId)).Ok();

        var sync = await bob.SyncAsync();
        var invited = sync["rooms"]?["invite"]?[roomId]?["invite_state"]?["events"]?.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.That(invited, Is.Not.Null, sync.ToJsonString());
        Assert.That(invited!.Any(e => e["type"].Str() == "m.room.name" && e["content"]!["name"].Str() == "Alice's room"), Is.True, "the room's name");
        Assert.That(invited!.Any(e => e["type"].Str() == "m.room.member" && e["state_key"].Str() == bob.UserId
            && e["content"]!["membership"].Str() == "invite"), Is.True, "bob's invite");

        (await bob.Client.PostAsync($"{V3}/rooms/{Esc(roomId)}/join", new JsonObject())).Ok();
        Assert.That(await MembershipAsync(alice, roomId, bob.UserId), Is.EqualTo("join"));
    }

    [Test]
    public async Task A_direct_chat_created_with_a_user_of_another_server_reaches_their_sync_as_a_direct_invite()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();

        var roomId = await alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "trusted_private_chat", ["is_direct"] = true, ["invite"] = new JsonArray(bob.UserId),
        });

        var sync = await bob.SyncAsync();
        var invite = sync["rooms"]?["invite"]?[roomId]?["invite_state"]?["events"]?.AsArray()
            .Select(e => e!.AsObject()).FirstOrDefault(e => e["type"].Str() == "m.room.member" && e["state_key"].Str() == bob.UserId);
        Assert.That(invite, Is.Not.Null, sync.ToJsonString());
        Assert.That(invite!["content"]!["is_direct"]?.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task The_invite_the_inviting_server_stores_carries_the_invitees_servers_signature()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });

        (await alice.InviteAsync(roomId, bob.UserId)).Ok();

        var state = await A.Service<RoomStateStore>().GetCurrentStateEventsAsync(roomId, [("m.room.member", bob.UserId)], CancellationToken.None);
        var signatures = state[("m.room.member", bob.UserId)].ParseJson()["signatures"]!.AsObject();
        Assert.That(signatures.Select(s => s.Key), Is.EquivalentTo(new[] { A.ServerName, B.ServerName }));
    }

    [Test]
    public async Task Inviting_a_user_of_a_server_already_in_the_room_reaches_that_server_once_as_a_room_event()
    {
        var alice = await A.RegisterUserAsync();
        var carol = await B.RegisterUserAsync();
        var dave = await B.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        (await carol.Client.PostAsync($"{V3}/join/{Esc(roomId)}?server_name={Esc(A.ServerName)}", new JsonObject())).Ok();
        var taken = B.Service<InboundPduQueue>().Taken;

        (await alice.InviteAsync(roomId, dave.UserId)).Ok();

        await FederatedRooms.WaitUntilAsync(async () => await MembershipAsync(carol, roomId, dave.UserId) == "invite", "B holds dave's invite in the room");
        Assert.That(B.Service<InboundPduQueue>().Taken - taken, Is.EqualTo(1), "B took the invite from a transaction once");
        var sync = await dave.SyncAsync();
        Assert.That(sync["rooms"]?["invite"]?[roomId], Is.Not.Null, sync.ToJsonString());
    }

    [Test]
    public async Task A_rejected_invite_shows_as_leave_in_the_inviters_room_and_in_the_invitees_sync()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        (await alice.InviteAsync(roomId, bob.UserId)).Ok();
        var since = (await bob.SyncAsync()).NextBatch();

        (await bob.LeaveAsync(roomId)).Ok();

        Assert.That(await MembershipAsync(alice, roomId, bob.UserId), Is.EqualTo("leave"));
        var sync = await bob.SyncAsync(since);
        Assert.That(sync["rooms"]?["leave"]?[roomId], Is.Not.Null, sync.ToJsonString());
        Assert.That(sync["rooms"]?["invite"]?[roomId], Is.Null, "the invite is gone");
    }

    [Test]
    public async Task An_invite_from_a_server_that_does_not_take_the_leave_is_rejected_here_alone()
    {
        // B invites alice to a room it does not hold: its make_leave answers 404, as a server that went away would fail.
        var alice = await A.RegisterUserAsync();
        var roomId = $"!gone{Guid.NewGuid():N}:{B.ServerName}";
        var inviter = UserOfB("someone");
        using var builder = new RemoteEventBuilder(B.ServerName, await B.SigningKeyAsync());
        var create = builder.Build(RoomVersions.V10, roomId, "m.room.create", inviter, new JsonObject { ["creator"] = inviter }, "", [], [], 1);
        var invite = builder.Build(RoomVersions.V10, roomId, "m.room.member", inviter,
            new JsonObject { ["membership"] = "invite" }, alice.UserId, [create.EventId], [create.EventId], 2);
        var invited = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/invite/{Esc(roomId)}/{Esc(invite.EventId)}",
            new JsonObject { ["event"] = invite.Pdu.Json.DeepClone(), ["room_version"] = "10", ["invite_room_state"] = new JsonArray() });
        Assert.That(invited.Status, Is.EqualTo(200), invited.Body?.ToJsonString());
        var since = (await alice.SyncAsync()).NextBatch();

        (await alice.LeaveAsync(roomId)).Ok();

        var sync = await alice.SyncAsync(since);
        Assert.That(sync["rooms"]?["leave"]?[roomId], Is.Not.Null, sync.ToJsonString());
        var initial = await alice.SyncAsync();
        Assert.That(initial["rooms"]?["invite"]?[roomId], Is.Null, "the invite stays rejected");
    }

    [Test]
    public async Task Knocking_on_a_room_of_another_server_shows_the_knock_to_the_resident_and_in_the_knockers_sync()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await KnockRoomAsync(alice);

        var knocked = await bob.Client.PostAsync($"{V3}/knock/{Esc(roomId)}?via={Esc(A.ServerName)}", new JsonObject { ["reason"] = "let me in" });

        Assert.That(knocked.Ok()["room_id"].Str(), Is.EqualTo(roomId));
        Assert.That(await MembershipAsync(alice, roomId, bob.UserId), Is.EqualTo("knock"));
        var sync = await bob.SyncAsync();
        var knockState = sync["rooms"]?["knock"]?[roomId]?["knock_state"]?["events"]?.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.That(knockState, Is.Not.Null, sync.ToJsonString());
        Assert.That(knockState!.Any(e => e["type"].Str() == "m.room.join_rules" && e["content"]!["join_rule"].Str() == "knock"), Is.True, "the join rules");
        Assert.That(knockState!.Any(e => e["type"].Str() == "m.room.member" && e["state_key"].Str() == bob.UserId
            && e["content"]!["membership"].Str() == "knock"), Is.True, "bob's knock");
    }

    [Test]
    public async Task A_knocker_the_room_then_invites_joins_through_the_inviters_server()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await KnockRoomAsync(alice);
        (await bob.Client.PostAsync($"{V3}/knock/{Esc(roomId)}?server_name={Esc(A.ServerName)}", new JsonObject())).Ok();

        (await alice.InviteAsync(roomId, bob.UserId)).Ok();
        var sync = await bob.SyncAsync();
        Assert.That(sync["rooms"]?["invite"]?[roomId], Is.Not.Null, sync.ToJsonString());
        Assert.That(sync["rooms"]?["knock"]?[roomId], Is.Null, "the invite replaced the knock");

        (await bob.Client.PostAsync($"{V3}/join/{Esc(roomId)}", new JsonObject())).Ok();
        Assert.That(await MembershipAsync(alice, roomId, bob.UserId), Is.EqualTo("join"));
    }

    [Test]
    public async Task A_withdrawn_knock_shows_as_leave_to_the_resident()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await KnockRoomAsync(alice);
        (await bob.Client.PostAsync($"{V3}/knock/{Esc(roomId)}?via={Esc(A.ServerName)}", new JsonObject())).Ok();

        (await bob.LeaveAsync(roomId)).Ok();

        Assert.That(await MembershipAsync(alice, roomId, bob.UserId), Is.EqualTo("leave"));
    }

    [Test]
    public async Task Knocking_on_a_room_whose_server_refuses_the_knock_is_403_M_FORBIDDEN()
    {
        var alice = await A.RegisterUserAsync();
        var bob = await B.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });

        var knocked = await bob.Client.PostAsync($"{V3}/knock/{Esc(roomId)}?via={Esc(A.ServerName)}", new JsonObject());

        knocked.ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Test]
    public async Task Inviting_a_user_whose_server_refuses_the_invite_is_403_M_FORBIDDEN_and_invites_no_one()
    {
        await using var refusing = await FakeRemoteServer.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new { errcode = "M_FORBIDDEN", error = "This server does not take invites." });
        });
        var alice = await A.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        var invitee = $"@zed:{refusing.ServerName}";

        var invited = await alice.InviteAsync(roomId, invitee);

        invited.ExpectError(HttpStatusCode.Forbidden, "M_FORBIDDEN");
        Assert.That(await MembershipAsync(alice, roomId, invitee), Is.Null);
    }

    [Test]
    public async Task Inviting_a_user_whose_server_cannot_be_reached_is_502_M_UNKNOWN()
    {
        var alice = await A.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        var invitee = $"@zed:127.0.0.1:{ClosedPort()}";

        var invited = await alice.InviteAsync(roomId, invitee);

        invited.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        Assert.That(await MembershipAsync(alice, roomId, invitee), Is.Null);
    }

    [Test]
    public async Task An_invite_answered_with_another_event_is_502_and_invites_no_one()
    {
        // The stand-in "countersigns" by changing the content: not the event A authorised.
        await using var tampering = await FakeRemoteServer.StartAsync(async context =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var evt = body["event"]!.AsObject();
            evt["content"]!["membership"] = "join";
            await context.Response.WriteAsJsonAsync(new JsonObject { ["event"] = evt.DeepClone() });
        });
        var alice = await A.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        var invitee = $"@zed:{tampering.ServerName}";

        var invited = await alice.InviteAsync(roomId, invitee);

        invited.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
        Assert.That(await MembershipAsync(alice, roomId, invitee), Is.Null);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
