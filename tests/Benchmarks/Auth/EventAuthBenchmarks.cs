using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Benchmarks.Auth;

/// <summary>
/// One authorization check of an m.room.message in a room with typical state: create, join rules,
/// power levels naming a dozen users and event types, and 200 joined members.
/// </summary>
[MemoryDiagnoser]
public class EventAuthBenchmarks
{
    private const int Members = 200;
    private Dictionary<(string Type, string StateKey), Pdu> _state = null!;
    private List<Pdu> _authEvents = null!;
    private Pdu _message = null!;
    private Pdu _create = null!;

    [Params("10", "12")]
    public string Version { get; set; } = "10";

    [GlobalSetup]
    public void Setup()
    {
        RoomVersions.TryGet(Version, out var version);
        var creator = "@creator:example.org";
        _create = Make(version, "$create", "m.room.create", creator, "",
            version.ImplicitRoomCreator ? $$"""{"room_version":"{{version.Id}}"}""" : $$"""{"room_version":"{{version.Id}}","creator":"{{creator}}"}""",
            roomId: "!room:example.org");
        var roomId = version.RoomIdFromCreateEvent ? _create.RoomId : "!room:example.org";

        var users = new JsonObject();
        if (!version.RoomIdFromCreateEvent) users[creator] = 100;
        for (var i = 0; i < 12; i++) users[$"@moderator{i}:example.org"] = 50;
        var powerLevels = new JsonObject
        {
            ["users"] = users, ["users_default"] = 0, ["events_default"] = 0, ["state_default"] = 50,
            ["ban"] = 50, ["kick"] = 50, ["redact"] = 50, ["invite"] = 0,
            ["events"] = new JsonObject
            {
                ["m.room.name"] = 50, ["m.room.power_levels"] = 100, ["m.room.history_visibility"] = 100,
                ["m.room.canonical_alias"] = 50, ["m.room.avatar"] = 50, ["m.room.tombstone"] = 100,
                ["m.room.server_acl"] = 100, ["m.room.encryption"] = 100,
            },
            ["notifications"] = new JsonObject { ["room"] = 50 },
        };

        _state = new Dictionary<(string Type, string StateKey), Pdu>();
        _state[("m.room.create", "")] = _create;
        _state[("m.room.power_levels", "")] = Make(version, "$pl", "m.room.power_levels", creator, "", powerLevels.ToJsonString(), roomId);
        _state[("m.room.join_rules", "")] = Make(version, "$jr", "m.room.join_rules", creator, "", """{"join_rule":"public"}""", roomId);
        _state[("m.room.history_visibility", "")] = Make(version, "$hv", "m.room.history_visibility", creator, "", """{"history_visibility":"shared"}""", roomId);
        _state[("m.room.name", "")] = Make(version, "$name", "m.room.name", creator, "", """{"name":"Benchmark room"}""", roomId);
        for (var i = 0; i < Members; i++)
        {
            var user = $"@user{i}:server{i % 20}.example";
            _state[("m.room.member", user)] = Make(version, $"$m{i}", "m.room.member", user, user,
                $$"""{"membership":"join","displayname":"User {{i}}"}""", roomId);
        }

        var sender = "@user42:server2.example";
        var authIds = new List<string> { "$pl", "$m42" };
        if (!version.RoomIdFromCreateEvent) authIds.Insert(0, "$create");
        _message = Make(version, "$message", "m.room.message", sender, null,
            """{"msgtype":"m.text","body":"Here is a message of ordinary length for a busy room."}""", roomId, authIds);
        _authEvents = authIds.Select(id => _state.Values.First(e => e.EventId == id)).ToList();

        if (!EventAuth.Check(_message, _state).Allowed || !CheckAgainstAuthEvents().Allowed)
            throw new InvalidOperationException("benchmark message must pass auth");
    }

    [Benchmark(Description = "message against room state (200 members)")]
    public AuthDecision CheckAgainstState() => EventAuth.Check(_message, _state);

    [Benchmark(Description = "message against its auth events")]
    public AuthDecision CheckAgainstAuthEvents() =>
        EventAuth.CheckAgainstAuthEvents(_message, _authEvents, _message.Version.RoomIdFromCreateEvent ? _create : null);

    private static Pdu Make(RoomVersion version, string id, string type, string sender, string? stateKey, string content,
        string roomId, IEnumerable<string>? authEvents = null)
    {
        var json = new JsonObject
        {
            ["type"] = type, ["sender"] = sender, ["content"] = JsonNode.Parse(content),
            ["depth"] = 10L, ["origin_server_ts"] = 1_700_000_000_000,
            ["auth_events"] = new JsonArray((authEvents ?? []).Select(a => (JsonNode)JsonValue.Create(a)).ToArray()),
            ["prev_events"] = new JsonArray(),
        };
        if (!(version.RoomIdFromCreateEvent && type == "m.room.create")) json["room_id"] = roomId;
        if (stateKey is not null) json["state_key"] = stateKey;
        return Pdu.Parse(json, version, id);
    }
}
