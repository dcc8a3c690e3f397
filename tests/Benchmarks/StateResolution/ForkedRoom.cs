using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.StateResolution;

namespace Cluster.Benchmarks.StateResolution;

/// <summary>
/// A room whose history splits into two forks of state events, for timing state resolution. Each event cites
/// as auth events what the auth event selection picks from the state of its fork, as a server would.
/// </summary>
internal sealed class ForkedRoom
{
    private const string Admin = "@admin:example.org";
    private readonly RoomVersion _version;
    private readonly Dictionary<string, Pdu> _events = new(StringComparer.Ordinal);
    private long _ts = 1_700_000_000_000;

    private ForkedRoom(RoomVersion version) => _version = version;

    public IReadOnlyList<Dictionary<(string Type, string StateKey), string>> Forks { get; private set; } = [];

    public IEventSource Source => new InMemoryEventSource(_events.Values);

    /// <summary>
    /// An admin, <paramref name="members"/> joined members and two moderators; then each fork sends
    /// <paramref name="eventsPerFork"/> state events: mostly per-user state under keys of its own, with member
    /// joins, kicks by a moderator and power level changes by the admin mixed in.
    /// </summary>
    public static ForkedRoom Build(RoomVersion version, int members, int eventsPerFork)
    {
        var room = new ForkedRoom(version);
        var state = new Dictionary<(string Type, string StateKey), string>();
        var users = Enumerable.Range(0, members).Select(i => $"@user{i}:example.org").ToArray();
        var moderators = users.Take(2).ToArray();

        room.Add(state, "CREATE", "m.room.create", Admin, "",
            version.ImplicitRoomCreator ? new JsonObject() : new JsonObject { ["creator"] = Admin });
        room.Add(state, "ADMIN", "m.room.member", Admin, Admin, Membership("join"));
        room.Add(state, "PL0", "m.room.power_levels", Admin, "", PowerLevels(version, moderators, 0));
        room.Add(state, "JR", "m.room.join_rules", Admin, "", new JsonObject { ["join_rule"] = "public" });
        foreach (var user in users) room.Add(state, "J-" + user, "m.room.member", user, user, Membership("join"));

        var forks = new List<Dictionary<(string Type, string StateKey), string>>();
        foreach (var fork in new[] { "A", "B" })
        {
            var forkState = new Dictionary<(string Type, string StateKey), string>(state);
            for (var i = 0; i < eventsPerFork; i++)
            {
                var name = $"{fork}{i}";
                var sender = users[(i * 7 + fork[0]) % users.Length];
                if (i % 100 == 99)
                    room.Add(forkState, name, "m.room.power_levels", Admin, "", PowerLevels(version, moderators, i));
                else if (i % 100 == 49)
                    room.Add(forkState, name, "m.room.member", moderators[i % 2], users[2 + (i / 100 + fork[0]) % (users.Length - 2)],
                        Membership("leave"));
                else if (i % 10 == 5)
                {
                    var newcomer = $"@{name.ToLowerInvariant()}:example.org";
                    room.Add(forkState, name, "m.room.member", newcomer, newcomer, Membership("join"));
                }
                else
                    room.Add(forkState, name, "org.example.status", sender, $"{fork}-{i}", new JsonObject { ["n"] = i });
            }
            forks.Add(forkState);
        }
        room.Forks = forks;
        return room;
    }

    private void Add(Dictionary<(string Type, string StateKey), string> state, string name, string type, string sender,
        string stateKey, JsonObject content)
    {
        var eventId = "$" + name;
        var authEvents = new JsonArray();
        foreach (var key in AuthEventSelection.Select(_version, type, stateKey, sender, content))
            if (state.TryGetValue(key, out var id)) authEvents.Add(Reference(id));

        var json = new JsonObject
        {
            ["type"] = type,
            ["sender"] = sender,
            ["state_key"] = stateKey,
            ["content"] = content,
            ["origin_server_ts"] = _ts++,
            ["depth"] = (long)_events.Count + 1,
            ["auth_events"] = authEvents,
            ["prev_events"] = new JsonArray(),
            ["hashes"] = new JsonObject { ["sha256"] = "AAAA" },
            ["signatures"] = new JsonObject(),
        };
        if (!(_version.RoomIdFromCreateEvent && type == "m.room.create"))
            json["room_id"] = _version.RoomIdFromCreateEvent ? "!CREATE" : "!bench:example.org";
        if (_version.ServerGeneratedEventIds) json["event_id"] = eventId;

        var pdu = Pdu.Parse(json, _version, eventId);
        _events.Add(eventId, pdu);
        state[(type, stateKey)] = eventId;
    }

    private JsonNode Reference(string eventId) =>
        _version.ServerGeneratedEventIds
            ? new JsonArray(eventId, new JsonObject { ["sha256"] = "AAAA" })
            : JsonValue.Create(eventId);

    private static JsonObject Membership(string membership) => new() { ["membership"] = membership };

    /// <summary>Members may send state; moderators kick; the admin (a creator in v12) is listed before v12.</summary>
    private static JsonObject PowerLevels(RoomVersion version, string[] moderators, int generation)
    {
        var users = new JsonObject();
        if (!version.RoomIdFromCreateEvent) users[Admin] = 100;
        foreach (var moderator in moderators) users[moderator] = 50 + generation % 7;
        return new JsonObject { ["users"] = users, ["state_default"] = 0, ["kick"] = 50 };
    }
}
