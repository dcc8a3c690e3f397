using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;

namespace Cluster.Load.Federation;

/// <summary>A PDU this tool built and signed as the remote server.</summary>
internal sealed record SignedPdu(string EventId, JsonObject Json);

/// <summary>
/// A user of <see cref="FakeRemoteServer"/> in a room of the server under test: joined through
/// make_join and send_join (the spec's handshake), then sending messages one after another, each
/// on the previous one (prev_events), citing the power levels, its own join and, before v12, the
/// create event as auth events.
/// </summary>
internal sealed class RemoteRoomMember
{
    private readonly FakeRemoteServer _server;
    private readonly string[] _authEvents;
    private string _previous;
    private long _depth;

    private RemoteRoomMember(FakeRemoteServer server, string roomId, string userId, RoomVersion version, string joinId, long joinDepth,
        string[] authEvents)
    {
        _server = server;
        RoomId = roomId;
        UserId = userId;
        Version = version;
        _previous = joinId;
        _depth = joinDepth;
        _authEvents = authEvents;
    }

    public string RoomId { get; }
    public string UserId { get; }
    public RoomVersion Version { get; }

    public static async Task<RemoteRoomMember> JoinAsync(
        SignedFederationClient federation, FakeRemoteServer server, string roomId, string localpart, CancellationToken cancellationToken)
    {
        var userId = $"@{localpart}:{server.ServerName}";
        var room = Uri.EscapeDataString(roomId);
        var versions = string.Join('&', Enumerable.Range(1, 12).Select(v => $"ver={v}"));
        var template = (await federation.SendAsync(HttpMethod.Get,
            $"/_matrix/federation/v1/make_join/{room}/{Uri.EscapeDataString(userId)}?{versions}", null, cancellationToken)).Ok("make_join");
        if (!RoomVersions.TryGet(template["room_version"]?.GetValue<string>(), out var version))
            throw new InvalidOperationException($"make_join answered an unknown room version: {template.ToJsonString()}");
        var join = (JsonObject)template["event"]!.DeepClone();
        join["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        EventSigning.HashAndSign(join, version, server.ServerName, server.Key);
        var joinId = EventIds.Of(join, version);
        var answer = (await federation.SendAsync(HttpMethod.Put, $"/_matrix/federation/v2/send_join/{room}/{Uri.EscapeDataString(joinId)}",
            join, cancellationToken)).Ok("send_join");

        // The state before the join gives the auth events of a message; the sender's membership is the join itself.
        var state = (answer["state"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => e["state_key"] is not null)
            .ToDictionary(e => (e["type"]!.GetValue<string>(), e["state_key"]!.GetValue<string>()), e => EventIds.Of(e, version));
        state[(RoomEventTypes.Member, userId)] = joinId;
        var keys = AuthEventSelection.Select(version, "m.room.message", null, userId, new JsonObject());
        var auth = keys.Where(state.ContainsKey).Select(k => state[k]).ToArray();
        server.RoomVersion = version;
        return new RemoteRoomMember(server, roomId, userId, version, joinId, join["depth"]!.GetValue<long>(), auth);
    }

    /// <summary>The next message, on the one before it.</summary>
    public SignedPdu NextMessage(JsonObject content)
    {
        var evt = new JsonObject
        {
            ["room_id"] = RoomId,
            ["type"] = "m.room.message",
            ["sender"] = UserId,
            ["content"] = content,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["depth"] = ++_depth,
            ["prev_events"] = new JsonArray(_previous),
            ["auth_events"] = new JsonArray([.. _authEvents.Select(a => (JsonNode?)a)]),
        };
        EventSigning.HashAndSign(evt, Version, _server.ServerName, _server.Key);
        _previous = EventIds.Of(evt, Version);
        return new SignedPdu(_previous, evt);
    }
}
