using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.ClientApi.Tests.Sync;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// The membership handshakes on A, driven by a real server B: B asks for a template (make_join,
/// make_leave), signs it with its published key and sends it back (send_join, send_leave); B invites
/// one of A's users (invite v2). Everything B sends is checked by A against B's real keys.
/// </summary>
public class MembershipHandshakeTests : TwoServerFixture
{
    private Ed25519SigningKey _keyOfB = null!;

    // Named localhost:PORT so that an ACL can deny B without denying A (127.0.0.1:PORT).
    protected override string HostOfB => "localhost";

    protected override async Task OnStartedAsync() => _keyOfB = await B.SigningKeyAsync();

    private string NewUserOfB() => UserOfB($"bob-{Guid.NewGuid():N}");

    private Task<FederationResponse> MakeJoinAsync(string roomId, string userId, string ver = "ver=12&ver=11&ver=10") =>
        FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Esc(roomId)}/{Esc(userId)}?{ver}");

    /// <summary>B finishes a template as the spec has the joining server do: hashes, signs, derives the ID.</summary>
    private (JsonObject Event, string EventId) SignAsB(JsonObject template, string roomVersion)
    {
        RoomVersions.TryGet(roomVersion, out var version);
        var evt = (JsonObject)template.DeepClone();
        EventSigning.HashAndSign(evt, version, B.ServerName, _keyOfB);
        return (evt, EventIds.Of(evt, version));
    }

    private async Task<(FederationResponse Response, string EventId)> HandshakeAsync(string kind, string roomId, string userId)
    {
        var make = await FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/make_{kind}/{Esc(roomId)}/{Esc(userId)}?ver=12&ver=11&ver=10");
        Assert.That(make.Status, Is.EqualTo(200), make.Body?.ToJsonString());
        var (evt, eventId) = SignAsB(make.Body!["event"]!.AsObject(), make.Body["room_version"]!.GetValue<string>());
        var send = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/send_{kind}/{Esc(roomId)}/{Esc(eventId)}", evt);
        return (send, eventId);
    }

    private async Task<IReadOnlyCollection<string>> JoinedMembersAsync(string roomId) =>
        (await Alice.Client.GetAsync($"/_matrix/client/v3/rooms/{Esc(roomId)}/joined_members")).Ok()["joined"]!.AsObject()
            .Select(kv => kv.Key).ToList();

    [Test]
    public async Task A_user_of_B_joins_a_public_room_through_make_join_and_send_join()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var bob = NewUserOfB();
        var (response, _) = await HandshakeAsync("join", roomId, bob);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(await JoinedMembersAsync(roomId), Is.EquivalentTo(new[] { Alice.UserId, bob }));
    }

    [Test]
    public async Task The_send_join_answer_holds_the_state_before_the_join_and_an_auth_chain_that_verifies()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var bob = NewUserOfB();
        var (response, joinId) = await HandshakeAsync("join", roomId, bob);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var body = response.Body!.AsObject();
        var state = body["state"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var chain = body["auth_chain"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.That(state.Select(e => (e["type"]!.GetValue<string>(), e["state_key"]!.GetValue<string>())),
            Does.Contain(("m.room.create", "")).And.Contain(("m.room.member", Alice.UserId)).And.Contain(("m.room.join_rules", "")));
        Assert.That(state.Any(e => e["state_key"]?.GetValue<string>() == bob), Is.False, "the state is the state before the join");
        Assert.That(chain, Is.Not.Empty);
        Assert.That(body["members_omitted"]?.GetValue<bool>(), Is.False);
        Assert.That(body["origin"]?.GetValue<string>(), Is.EqualTo(A.ServerName));
        Assert.That(body["servers_in_room"]!.AsArray().Select(s => s!.GetValue<string>()), Is.EquivalentTo(new[] { A.ServerName, B.ServerName }));

        var verifier = B.Services.GetRequiredService<PduVerifier>();
        RoomVersions.TryGet("12", out var version);
        foreach (var pdu in state.Concat(chain))
        {
            var check = await verifier.CheckAsync(pdu, version, roomId, CancellationToken.None);
            Assert.That(check.Status, Is.EqualTo(PduCheckStatus.Accepted), pdu.ToJsonString());
        }
        Assert.That(joinId, Is.Not.Empty);
    }

    [Test]
    public async Task Make_join_to_an_invite_only_room_without_an_invite_is_403_M_FORBIDDEN()
    {
        var roomId = await Alice.CreateRoomAsync(new JsonObject { ["preset"] = "private_chat" });
        var response = await MakeJoinAsync(roomId, NewUserOfB());
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Make_join_without_the_rooms_version_among_ver_is_400_M_INCOMPATIBLE_ROOM_VERSION()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var response = await MakeJoinAsync(roomId, NewUserOfB(), ver: "ver=1&ver=2");
        ExpectError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION");
        Assert.That(response.Body?["room_version"]?.GetValue<string>(), Is.EqualTo("12"));
    }

    [Test]
    public async Task Make_join_for_a_user_of_another_server_is_403_M_FORBIDDEN()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var response = await MakeJoinAsync(roomId, "@someone:elsewhere.example");
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Make_join_for_an_unknown_room_is_404_M_NOT_FOUND()
    {
        var response = await MakeJoinAsync($"!nowhere{Guid.NewGuid():N}:{A.ServerName}", NewUserOfB());
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_send_join_whose_sender_is_a_user_of_another_server_is_403_M_FORBIDDEN()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var make = await MakeJoinAsync(roomId, NewUserOfB());
        var template = make.Body!["event"]!.AsObject();
        var impostor = $"@impostor:{A.ServerName}";
        template["sender"] = impostor;
        template["state_key"] = impostor;
        var (evt, eventId) = SignAsB(template, "12");
        var response = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/send_join/{Esc(roomId)}/{Esc(eventId)}", evt);
        ExpectError(response, 403, "M_FORBIDDEN");
        Assert.That(await JoinedMembersAsync(roomId), Is.EquivalentTo(new[] { Alice.UserId }));
    }

    [Test]
    public async Task A_send_join_whose_event_id_differs_from_the_path_is_400_M_BAD_JSON()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var make = await MakeJoinAsync(roomId, NewUserOfB());
        var (evt, _) = SignAsB(make.Body!["event"]!.AsObject(), "12");
        var response = await FromBAsync(HttpMethod.Put,
            $"/_matrix/federation/v2/send_join/{Esc(roomId)}/{Esc("$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}", evt);
        ExpectError(response, 400, "M_BAD_JSON");
    }

    [Test]
    public async Task The_v1_send_join_answers_200_and_the_state_in_an_array()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var make = await MakeJoinAsync(roomId, NewUserOfB());
        var (evt, eventId) = SignAsB(make.Body!["event"]!.AsObject(), "12");
        var response = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v1/send_join/{Esc(roomId)}/{Esc(eventId)}", evt);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var answer = response.Body!.AsArray();
        Assert.That(answer[0]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(answer[1]!["state"]!.AsArray(), Is.Not.Empty);
    }

    [Test]
    public async Task A_user_of_B_who_joined_leaves_through_make_leave_and_send_leave()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var bob = NewUserOfB();
        Assert.That((await HandshakeAsync("join", roomId, bob)).Response.Status, Is.EqualTo(200));

        var (response, _) = await HandshakeAsync("leave", roomId, bob);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(response.Body?.AsObject().Count, Is.EqualTo(0));
        Assert.That(await JoinedMembersAsync(roomId), Is.EquivalentTo(new[] { Alice.UserId }));
    }

    [Test]
    public async Task Make_leave_for_a_user_who_is_not_in_the_room_is_403_M_FORBIDDEN()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var response = await FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/make_leave/{Esc(roomId)}/{Esc(NewUserOfB())}");
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Event_auth_answers_the_auth_chain_of_an_event_to_a_server_in_the_room()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var (join, joinId) = await HandshakeAsync("join", roomId, NewUserOfB());
        Assert.That(join.Status, Is.EqualTo(200));
        var messageId = await Alice.SendMessageAsync(roomId, "hello");
        var response = await FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{Esc(roomId)}/{Esc(messageId)}");
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var types = response.Body!["auth_chain"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.That(types, Does.Contain("m.room.create").And.Contain("m.room.power_levels").And.Contain("m.room.member"));
        Assert.That(joinId, Is.Not.Empty);
    }

    [Test]
    public async Task An_invite_from_B_to_a_room_A_is_not_in_shows_in_the_invitees_sync()
    {
        var bob = NewUserOfB();
        var roomId = $"!room{Guid.NewGuid():N}:{B.ServerName}";
        using var builder = new RemoteEventBuilder(B.ServerName, _keyOfB);
        var create = builder.Build(RoomVersions.V10, roomId, "m.room.create", bob,
            new JsonObject { ["creator"] = bob, ["room_version"] = "10" }, "", [], [], 1);
        var invite = builder.Build(RoomVersions.V10, roomId, "m.room.member", bob,
            new JsonObject { ["membership"] = "invite" }, Alice.UserId, [create.EventId], [create.EventId], 2);
        var body = new JsonObject
        {
            ["event"] = invite.Pdu.Json.DeepClone(),
            ["room_version"] = "10",
            ["invite_room_state"] = new JsonArray(
                new JsonObject { ["type"] = "m.room.name", ["state_key"] = "", ["content"] = new JsonObject { ["name"] = "B's room" }, ["sender"] = bob }),
        };

        var response = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/invite/{Esc(roomId)}/{Esc(invite.EventId)}", body);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        Assert.That(response.Body!["event"]!["signatures"]![A.ServerName], Is.Not.Null, "A countersigned the invite");

        var sync = await Alice.SyncAsync();
        var invited = sync["rooms"]?["invite"]?[roomId]?["invite_state"]?["events"]?.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.That(invited, Is.Not.Null, sync.ToJsonString());
        Assert.That(invited!.Any(e => e["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "B's room"));
        Assert.That(invited!.Any(e => e["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == Alice.UserId));
    }

    [Test]
    public async Task An_invite_for_a_user_of_another_server_is_403_M_FORBIDDEN()
    {
        var bob = NewUserOfB();
        var roomId = $"!room{Guid.NewGuid():N}:{B.ServerName}";
        using var builder = new RemoteEventBuilder(B.ServerName, _keyOfB);
        var create = builder.Build(RoomVersions.V10, roomId, "m.room.create", bob, new JsonObject { ["creator"] = bob }, "", [], [], 1);
        var invite = builder.Build(RoomVersions.V10, roomId, "m.room.member", bob,
            new JsonObject { ["membership"] = "invite" }, "@carol:elsewhere.example", [create.EventId], [create.EventId], 2);
        var response = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/invite/{Esc(roomId)}/{Esc(invite.EventId)}",
            new JsonObject { ["event"] = invite.Pdu.Json.DeepClone(), ["room_version"] = "10", ["invite_room_state"] = new JsonArray() });
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task An_invite_in_an_unknown_room_version_is_400_M_INCOMPATIBLE_ROOM_VERSION()
    {
        var response = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/invite/{Esc($"!r:{B.ServerName}")}/{Esc("$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}",
            new JsonObject { ["event"] = new JsonObject(), ["room_version"] = "future-9", ["invite_room_state"] = new JsonArray() });
        ExpectError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION");
    }

    [Test]
    public async Task Make_join_from_a_server_the_rooms_acl_denies_is_403_M_FORBIDDEN()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        (await Alice.PutStateAsync(roomId, "m.room.server_acl", "",
            new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray(B.ServerName.Split(':')[0]) })).Ok();
        var response = await MakeJoinAsync(roomId, NewUserOfB());
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    private async Task<string> RestrictedRoomAsync(string allowedRoomId) =>
        await Alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "private_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.join_rules",
                ["state_key"] = "",
                ["content"] = new JsonObject
                {
                    ["join_rule"] = "restricted",
                    ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = allowedRoomId }),
                },
            }),
        });

    [Test]
    public async Task A_member_of_an_allowed_room_joins_a_restricted_room_vouched_for_by_a_local_user()
    {
        var allowed = await Alice.CreatePublicRoomAsync();
        var bob = NewUserOfB();
        Assert.That((await HandshakeAsync("join", allowed, bob)).Response.Status, Is.EqualTo(200));
        var roomId = await RestrictedRoomAsync(allowed);

        var make = await MakeJoinAsync(roomId, bob);
        Assert.That(make.Status, Is.EqualTo(200), make.Body?.ToJsonString());
        Assert.That(make.Body!["event"]!["content"]!["join_authorised_via_users_server"]?.GetValue<string>(), Is.EqualTo(Alice.UserId));
        var (evt, eventId) = SignAsB(make.Body["event"]!.AsObject(), "12");
        var send = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/send_join/{Esc(roomId)}/{Esc(eventId)}", evt);
        Assert.That(send.Status, Is.EqualTo(200), send.Body?.ToJsonString());
        Assert.That(send.Body!["event"]!["signatures"]![A.ServerName], Is.Not.Null, "A countersigned the join it vouched for");
        Assert.That(await JoinedMembersAsync(roomId), Is.EquivalentTo(new[] { Alice.UserId, bob }));
    }

    [Test]
    public async Task Make_join_to_a_restricted_room_for_a_user_in_none_of_its_allowed_rooms_is_403_M_FORBIDDEN()
    {
        var allowed = await Alice.CreatePublicRoomAsync();
        var roomId = await RestrictedRoomAsync(allowed);
        var response = await MakeJoinAsync(roomId, NewUserOfB());
        ExpectError(response, 403, "M_FORBIDDEN");
    }

    [Test]
    public async Task Make_join_to_a_restricted_room_whose_allowed_rooms_are_unknown_here_is_400_M_UNABLE_TO_AUTHORISE_JOIN()
    {
        var roomId = await RestrictedRoomAsync($"!elsewhere{Guid.NewGuid():N}:{B.ServerName}");
        var response = await MakeJoinAsync(roomId, NewUserOfB());
        ExpectError(response, 400, "M_UNABLE_TO_AUTHORISE_JOIN");
    }

    [Test]
    public async Task A_user_of_B_knocks_on_a_knock_room_through_make_knock_and_send_knock()
    {
        var roomId = await Alice.CreateRoomAsync(new JsonObject
        {
            ["preset"] = "private_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.join_rules", ["state_key"] = "", ["content"] = new JsonObject { ["join_rule"] = "knock" },
            }),
        });
        var bob = NewUserOfB();
        var make = await FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/make_knock/{Esc(roomId)}/{Esc(bob)}?ver=12");
        Assert.That(make.Status, Is.EqualTo(200), make.Body?.ToJsonString());
        var (evt, eventId) = SignAsB(make.Body!["event"]!.AsObject(), "12");
        var send = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v1/send_knock/{Esc(roomId)}/{Esc(eventId)}", evt);
        Assert.That(send.Status, Is.EqualTo(200), send.Body?.ToJsonString());
        Assert.That(send.Body!["knock_room_state"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()), Does.Contain("m.room.join_rules"));
        var members = await A.Service<Cluster.Shared.Storage.Events.RoomMembershipStore>()
            .GetCurrentMembersAsync(roomId, "knock", CancellationToken.None);
        Assert.That(members.Select(m => m.UserId), Is.EquivalentTo(new[] { bob }));
    }

    [Test]
    public async Task A_send_join_whose_body_is_no_event_is_400_M_BAD_JSON()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var response = await FromBAsync(HttpMethod.Put,
            $"/_matrix/federation/v2/send_join/{Esc(roomId)}/{Esc("$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}",
            new JsonObject { ["type"] = 5, ["content"] = "join" });
        ExpectError(response, 400, "M_BAD_JSON");
    }

    [Test]
    public async Task A_retried_send_join_is_answered_again()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var make = await MakeJoinAsync(roomId, NewUserOfB());
        var (evt, eventId) = SignAsB(make.Body!["event"]!.AsObject(), "12");
        var path = $"/_matrix/federation/v2/send_join/{Esc(roomId)}/{Esc(eventId)}";
        var first = await FromBAsync(HttpMethod.Put, path, evt);
        var second = await FromBAsync(HttpMethod.Put, path, evt);
        Assert.That((first.Status, second.Status), Is.EqualTo((200, 200)), second.Body?.ToJsonString());
        Assert.That(second.Body!["state"]!.AsArray().Count, Is.EqualTo(first.Body!["state"]!.AsArray().Count));
    }

    [Test]
    public async Task An_invite_from_B_reaches_an_incremental_sync_of_the_invitee()
    {
        var carol = await A.RegisterUserAsync();
        var since = (await carol.SyncAsync()).NextBatch();
        var bob = NewUserOfB();
        var roomId = $"!room{Guid.NewGuid():N}:{B.ServerName}";
        using var builder = new RemoteEventBuilder(B.ServerName, _keyOfB);
        var create = builder.Build(RoomVersions.V10, roomId, "m.room.create", bob, new JsonObject { ["creator"] = bob }, "", [], [], 1);
        var invite = builder.Build(RoomVersions.V10, roomId, "m.room.member", bob,
            new JsonObject { ["membership"] = "invite" }, carol.UserId, [create.EventId], [create.EventId], 2);
        var response = await FromBAsync(HttpMethod.Put, $"/_matrix/federation/v2/invite/{Esc(roomId)}/{Esc(invite.EventId)}",
            new JsonObject { ["event"] = invite.Pdu.Json.DeepClone(), ["room_version"] = "10", ["invite_room_state"] = new JsonArray() });
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());

        var sync = await carol.SyncAsync(since, timeoutMs: 5000);
        Assert.That(sync["rooms"]?["invite"]?[roomId], Is.Not.Null, sync.ToJsonString());
    }

    [Test]
    public async Task Make_knock_without_ver_is_400_M_MISSING_PARAM()
    {
        var roomId = await Alice.CreatePublicRoomAsync();
        var response = await FromBAsync(HttpMethod.Get, $"/_matrix/federation/v1/make_knock/{Esc(roomId)}/{Esc(NewUserOfB())}");
        ExpectError(response, 400, "M_MISSING_PARAM");
    }
}
