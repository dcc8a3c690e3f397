using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// While the invitee's server takes its time countersigning an invite (<c>/invite</c> v2), the
/// room is not held: its other senders go on, and the invite, once countersigned, still gets in
/// where it was built, unless the room no longer allows it.
/// </summary>
public class RemoteInviteExchangeTests
{
    private Homeserver _a = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _a = await FederatedServers.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_a is not null) await _a.DisposeAsync();
    }

    /// <summary>An invitee's server C that publishes its key and countersigns invites once <see cref="Release"/>d.</summary>
    private sealed class SlowInviteeServer : IAsyncDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private FakeRemoteServer _server = null!;

        private Ed25519SigningKey Key { get; } = Ed25519SigningKey.Generate("c1");

        public string ServerName => _server.ServerName;

        /// <summary>Completes when A's /invite request has arrived.</summary>
        public Task Asked => _asked.Task;

        public void Release() => _released.TrySetResult();

        public static async Task<SlowInviteeServer> StartAsync()
        {
            var c = new SlowInviteeServer();
            c._server = await FakeRemoteServer.StartAsync(c.HandleAsync);
            return c;
        }

        private async Task HandleAsync(HttpContext context)
        {
            if (context.Request.Path == "/_matrix/key/v2/server")
            {
                await FakeRemoteServer.WriteKeyDocumentAsync(context, ServerName, Key);
                return;
            }
            context.Response.ContentType = "application/json";
            if (context.Request.Method != "PUT" || !context.Request.Path.StartsWithSegments("/_matrix/federation/v2/invite"))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            _asked.TrySetResult();
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(20));
            var invite = body["event"]!.AsObject();
            Assert.That(RoomVersions.TryGet(body["room_version"]!.GetValue<string>(), out var version), Is.True);
            EventSigning.AddSignature(invite, version, ServerName, Key);
            await context.Response.WriteAsync(new JsonObject { ["event"] = invite.DeepClone() }.ToJsonString());
        }

        public async ValueTask DisposeAsync()
        {
            Release();
            await _server.DisposeAsync();
            Key.Dispose();
        }
    }

    private static async Task<string?> MembershipAsync(TestUser viewer, string roomId, string userId)
    {
        var response = await viewer.GetStateAsync(roomId, "m.room.member", userId);
        return response.Status == HttpStatusCode.OK ? response.Object["membership"]?.GetValue<string>() : null;
    }

    /// <summary>Alice's room on A, with her invite of Carol of C on its way: C has the request and has not answered.</summary>
    private async Task<(TestUser Alice, string RoomId, string Carol, Task<MatrixResponse> Invite)> InviteWithCAsync(SlowInviteeServer c)
    {
        var alice = await _a.RegisterUserAsync();
        var roomId = await alice.CreatePublicRoomAsync();
        var carol = $"@carol:{c.ServerName}";
        var invite = alice.InviteAsync(roomId, carol);
        await c.Asked.WaitAsync(TimeSpan.FromSeconds(30));
        return (alice, roomId, carol, invite);
    }

    [Test]
    public async Task A_slow_invitee_server_holds_up_neither_the_rooms_messages_nor_the_invite()
    {
        await using var c = await SlowInviteeServer.StartAsync();
        var (alice, roomId, carol, invite) = await InviteWithCAsync(c);

        var messageId = await alice.SendMessageAsync(roomId, "while C thinks").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(invite.IsCompleted, Is.False, "the invite is still with C when the message is in");

        c.Release();
        (await invite).Ok();
        Assert.That(await MembershipAsync(alice, roomId, carol), Is.EqualTo("invite"));
        Assert.That((await alice.GetEventAsync(roomId, messageId)).Status, Is.EqualTo(HttpStatusCode.OK));
        // The fork the invite made is merged by the next event.
        await alice.SendMessageAsync(roomId, "after the invite");
        Assert.That(await MembershipAsync(alice, roomId, carol), Is.EqualTo("invite"));
    }

    [Test]
    public async Task An_invite_the_room_refuses_by_the_time_it_is_countersigned_is_403_M_FORBIDDEN()
    {
        await using var c = await SlowInviteeServer.StartAsync();
        var (alice, roomId, carol, invite) = await InviteWithCAsync(c);

        (await alice.MembershipActionAsync(roomId, "ban", carol)).Ok();
        c.Release();

        var refused = await invite;
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Forbidden), refused.Body?.ToJsonString());
        Assert.That(refused.ErrCode, Is.EqualTo("M_FORBIDDEN"));
        Assert.That(await MembershipAsync(alice, roomId, carol), Is.EqualTo("ban"));
    }
}
